import Foundation
import MedSearchFeatures

/// A folder of images as the CLI, the demo and the benches read it: `images/<id>.<png|jpg|jpeg|dcm>` (or the
/// files directly in the folder) and optionally `labels.csv` with columns `id` and `labels` (labels separated by
/// `|`), as in ../shared/data/cxr-public and the embedded demo data.
public struct LabelledImageFolder: Sendable {
    /// One image of the folder.
    public struct Entry: Sendable {
        /// The file name without its extension.
        public let id: String
        /// The image file.
        public let url: URL
        /// Its finding labels (empty without `labels.csv`).
        public let labels: Set<String>
    }

    /// The accepted images, sorted by file name.
    public let entries: [Entry]

    /// Lists the images of `directory` whose id `accepts` admits, at most `limit` of them.
    public static func load(_ directory: URL, limit: Int? = nil,
                            accepting accepts: (String) -> Bool = { !$0.isEmpty }) throws -> LabelledImageFolder {
        let imagesDirectory = directory.appendingPathComponent("images")
        let folder = FileManager.default.fileExists(atPath: imagesDirectory.path) ? imagesDirectory : directory
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { ["png", "jpg", "jpeg", "dcm"].contains($0.pathExtension.lowercased()) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let labels = try Self.labels(in: directory)
        var entries = [Entry]()
        for file in files {
            let id = file.deletingPathExtension().lastPathComponent
            guard accepts(id) else { continue }
            entries.append(Entry(id: id, url: file, labels: labels[id] ?? []))
            if let limit, entries.count >= limit { break }
        }
        return LabelledImageFolder(entries: entries)
    }

    /// The labels of `directory/labels.csv` by id (empty when the file is absent or lacks the columns).
    ///
    /// - Throws: ``DatasetError/notUTF8(path:offset:line:)`` for a file that is not UTF-8 text.
    public static func labels(in directory: URL) throws -> [String: Set<String>] {
        var labels: [String: Set<String>] = [:]
        guard let text = try DatasetText.read(directory.appendingPathComponent("labels.csv")) else { return labels }
        let lines = text.split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
              let idColumn = header.firstIndex(of: "id"), let labelColumn = header.firstIndex(of: "labels")
        else { return labels }
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > max(idColumn, labelColumn) else { continue }
            labels[String(fields[idColumn])] = Set(fields[labelColumn].split(separator: "|").map(String.init))
        }
        return labels
    }
}
