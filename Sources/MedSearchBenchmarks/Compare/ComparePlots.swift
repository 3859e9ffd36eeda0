import Foundation

/// SVG plots of a ``CompareReport``: precision against k, latency against n, bytes against n. Transparent
/// background, text and axes styled for light and dark pages (`prefers-color-scheme`), series colours readable
/// on both.
public enum ComparePlots {
    /// File name to SVG document.
    public static func all(_ report: CompareReport) -> [String: String] {
        [
            "compare-precision.svg": precision(report),
            "compare-latency.svg": growth(report, title: "Query latency against n (synthetic data)",
                                          yLabel: "median query latency (ms, log scale)") { $0.latencyMilliseconds },
            "compare-bytes.svg": growth(report, title: "Bytes on the wire per query against n (synthetic data)",
                                        yLabel: "bytes per query, all directions (log scale)") { $0.bytesPerQuery },
        ]
    }

    static let colours = ["plaintext": "#8a8a8a", "fnn": "#3b82f6", "sei": "#f08c00", "trustmed": "#16a34a", "trustmed-identifier": "#a855f7"]

    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var dashed = false
    }

    /// Mean P@k per engine, and the chance level.
    static func precision(_ report: CompareReport) -> String {
        var series = report.engines.map { engine in
            Series(name: engine.engine, points: engine.mean.figures.map { (Double($0.k), $0.precision) })
        }
        if let first = report.engines.first {
            series.append(Series(name: "chance", points: first.mean.figures.map { (Double($0.k), $0.chancePrecision) }, dashed: true))
        }
        return chart(title: "Mean precision@k over \(report.dataset.classes.count) findings, \(report.dataset.databaseSize) images",
                     xLabel: "k (results returned)", yLabel: "precision@k (fraction)", series: series, log: false)
    }

    static func growth(_ report: CompareReport, title: String, yLabel: String,
                       value: (CompareGrowthPoint) -> Double) -> String {
        let series = report.growth.map { growth in
            Series(name: growth.engine, points: growth.points.map { (Double($0.n), max(value($0), 1e-6)) })
        }
        return chart(title: title, xLabel: "n (images in the database, log scale)", yLabel: yLabel, series: series, log: true)
    }

    static func chart(title: String, xLabel: String, yLabel: String, series: [Series], log: Bool) -> String {
        let width = 720.0, height = 440.0
        let left = 78.0, right = 130.0, top = 40.0, bottom = 58.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let transform: (Double) -> Double = log ? { Foundation.log10($0) } : { $0 }
        var xMin = transform(xs.min() ?? 1), xMax = transform(xs.max() ?? 2)
        var yMin = log ? Foundation.log10(ys.min() ?? 1).rounded(.down) : 0
        var yMax = log ? Foundation.log10(ys.max() ?? 10).rounded(.up) : min(1, ((ys.max() ?? 1) * 1.1 * 10).rounded(.up) / 10)
        if xMax <= xMin { xMax = xMin + 1; xMin -= 0 }
        if yMax <= yMin { yMax = yMin + 1; yMin -= 0 }
        func px(_ x: Double) -> Double { left + (transform(x) - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (transform(y) - yMin) / (yMax - yMin) * plotHeight }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <style>
        .fg { fill: #1f2328; } .axis { stroke: #57606a; } .grid { stroke: #d0d7de; }
        @media (prefers-color-scheme: dark) { .fg { fill: #e6edf3; } .axis { stroke: #9da7b3; } .grid { stroke: #3d444d; } }
        </style>
        <text class="fg" x="\(f(left + plotWidth / 2))" y="22" text-anchor="middle" font-size="14">\(escape(title))</text>

        """
        // Grid and tick labels.
        let yTicks: [Double] = log ? stride(from: yMin, through: yMax, by: 1).map { pow(10, $0) }
            : (0...5).map { yMin + (yMax - yMin) * Double($0) / 5 }
        for y in yTicks {
            svg += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(py(y)))\" y2=\"\(f(py(y)))\"/>\n"
            svg += "<text class=\"fg\" x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(label(y))</text>\n"
        }
        let xTicks = Array(Set(xs)).sorted()
        for x in xTicks {
            svg += "<line class=\"grid\" x1=\"\(f(px(x)))\" x2=\"\(f(px(x)))\" y1=\"\(f(top))\" y2=\"\(f(top + plotHeight))\"/>\n"
            svg += "<text class=\"fg\" x=\"\(f(px(x)))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\">\(label(x))</text>\n"
        }
        svg += "<rect class=\"axis\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\"/>\n"
        svg += "<text class=\"fg\" x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg += "<text class=\"fg\" transform=\"translate(18 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        // Series and legend.
        for (index, item) in series.enumerated() {
            let colour = colours[item.name] ?? "#a855f7"
            let dash = item.dashed ? " stroke-dasharray=\"5 4\"" : ""
            let points = item.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2.5\"\(dash)/>\n"
            for point in item.points where !item.dashed {
                svg += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3.5\" fill=\"\(colour)\"/>\n"
            }
            let ly = top + 12 + Double(index) * 20
            svg += "<line x1=\"\(f(left + plotWidth + 12))\" x2=\"\(f(left + plotWidth + 36))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(colour)\" stroke-width=\"2.5\"\(dash)/>\n"
            svg += "<text class=\"fg\" x=\"\(f(left + plotWidth + 42))\" y=\"\(f(ly))\">\(escape(item.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func label(_ value: Double) -> String {
        if value >= 1_000_000 { return String(format: "%gM", value / 1_000_000) }
        if value >= 1000 { return String(format: "%gk", value / 1000) }
        if value >= 1 { return String(format: "%g", value) }
        return String(format: "%.2g", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
