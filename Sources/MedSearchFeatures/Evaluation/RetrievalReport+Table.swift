import Foundation

extension RetrievalReport {
    /// A plain-text table like Table III of the TrustMedSearch paper: one block per k, one row per class and the
    /// mean, each figure followed by its chance level in parentheses.
    public func table() -> String {
        var lines: [String] = []
        lines.append("feature: \(feature)")
        lines.append("data: \(dataset); \(evaluationProtocol); database \(databaseSize), queries \(queryCount); distance \(metric)")
        for note in notes.sorted(by: { $0.key < $1.key }) { lines.append("\(note.key): \(note.value)") }
        let nameWidth = max(12, (classes.map(\.name.count).max() ?? 0) + 1)
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + padding : padding + text
        }
        func cell(_ value: Double, _ chance: Double) -> String {
            pad(String(format: "%.3f (%.3f)", value, chance), 15)
        }
        for (i, k) in ks.enumerated() {
            lines.append("")
            lines.append(pad("class", nameWidth, left: true) + pad("queries", 8) + pad("P@\(k) (chance)", 16)
                         + pad("R@\(k) (chance)", 16) + pad("F1 (chance)", 16) + pad("mAP@\(k) (chance)", 18))
            for row in classes + [mean] {
                let f = row.figures[i]
                lines.append(pad(row.name, nameWidth, left: true) + pad(String(row.queries), 8) + " "
                             + cell(f.precision, f.chancePrecision) + " " + cell(f.recall, f.chanceRecall) + " "
                             + cell(f.f1, f.chanceF1) + "   " + cell(f.meanAveragePrecision, f.chanceMeanAveragePrecision))
            }
        }
        if !timings.isEmpty {
            lines.append("")
            lines.append("time: " + timings.sorted(by: { $0.key < $1.key })
                .map { "\($0.key) \(String(format: "%.2f", $0.value)) s" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// The report as pretty-printed JSON.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
