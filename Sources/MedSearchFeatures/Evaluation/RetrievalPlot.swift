import Foundation

/// Writes an SVG plot of precision and recall against k (like Fig. 5 of the TrustMedSearch paper): two panels,
/// one line per class plus the mean (bold), chance levels dashed.
public enum RetrievalPlot {
    /// The SVG document for `report`.
    public static func svg(_ report: RetrievalReport, width: Int = 960, height: Int = 420) -> String {
        let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                       "#bcbd22", "#7f7f7f"]
        let panelWidth = Double(width) / 2
        let margin = (left: 56.0, right: 16.0, top: 40.0, bottom: 64.0)
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
        font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>

        """
        let ks = report.ks.map(Double.init)
        let kMin = ks.min() ?? 1, kMax = max(ks.max() ?? 1, kMin + 1)
        let series = report.classes + [report.mean]
        for (panel, title) in ["Precision@k", "Recall@k"].enumerated() {
            let x0 = Double(panel) * panelWidth + margin.left
            let plotWidth = panelWidth - margin.left - margin.right
            let plotHeight = Double(height) - margin.top - margin.bottom
            let values = series.flatMap { $0.figures.map { panel == 0 ? $0.precision : $0.recall } }
                + series.flatMap { $0.figures.map { panel == 0 ? $0.chancePrecision : $0.chanceRecall } }
            let yMax = max(0.1, min(1, ((values.max() ?? 1) * 1.1 * 10).rounded(.up) / 10))
            func px(_ k: Double) -> Double { x0 + (k - kMin) / (kMax - kMin) * plotWidth }
            func py(_ v: Double) -> Double { margin.top + plotHeight - v / yMax * plotHeight }
            svg += "<text x=\"\(f(x0 + plotWidth / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">\(title)</text>\n"
            svg += "<rect x=\"\(f(x0))\" y=\"\(f(margin.top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
            for tick in 0...5 {
                let v = yMax * Double(tick) / 5
                svg += "<line x1=\"\(f(x0))\" x2=\"\(f(x0 + plotWidth))\" y1=\"\(f(py(v)))\" y2=\"\(f(py(v)))\" stroke=\"#ddd\"/>\n"
                svg += "<text x=\"\(f(x0 - 6))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\">\(String(format: "%.2f", v))</text>\n"
            }
            for k in report.ks {
                svg += "<text x=\"\(f(px(Double(k))))\" y=\"\(f(margin.top + plotHeight + 16))\" text-anchor=\"middle\">\(k)</text>\n"
            }
            svg += "<text x=\"\(f(x0 + plotWidth / 2))\" y=\"\(f(margin.top + plotHeight + 32))\" text-anchor=\"middle\">k</text>\n"
            for (index, row) in series.enumerated() {
                let color = row.name == "mean" ? "#000" : palette[index % palette.count]
                let stroke = row.name == "mean" ? 2.5 : 1.5
                let points = row.figures.map { "\(f(px(Double($0.k)))),\(f(py(panel == 0 ? $0.precision : $0.recall)))" }
                svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(stroke)\"/>\n"
                let chance = row.figures.map { "\(f(px(Double($0.k)))),\(f(py(panel == 0 ? $0.chancePrecision : $0.chanceRecall)))" }
                svg += "<polyline points=\"\(chance.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1\" stroke-dasharray=\"4 3\" opacity=\"0.7\"/>\n"
            }
        }
        // Legend.
        var x = margin.left
        let y = Double(height) - 14
        for (index, row) in series.enumerated() {
            let color = row.name == "mean" ? "#000" : palette[index % palette.count]
            svg += "<line x1=\"\(f(x))\" x2=\"\(f(x + 18))\" y1=\"\(f(y - 4))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            svg += "<text x=\"\(f(x + 22))\" y=\"\(f(y))\">\(escape(row.name))</text>\n"
            x += 30 + Double(row.name.count) * 7
        }
        svg += "<text x=\"\(f(x + 10))\" y=\"\(f(y))\" fill=\"#666\">dashed: chance</text>\n"
        svg += "</svg>\n"
        return svg
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
