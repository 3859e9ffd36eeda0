import Foundation
import MedSearchCore
import MedSearchImaging

/// One image of a labelled data set.
public struct LabelledItem: Sendable, Equatable {
    /// Stable identifier (the file name without extension, or `split/index` for MedMNIST).
    public var id: String
    /// Labels (multi-label data sets carry several).
    public var labels: [String]
    /// The other `labels.csv` columns (for example `native_width`).
    public var metadata: [String: String] = [:]
}

/// A row filter on `labels.csv` metadata: `COLUMN=VALUE` or `COLUMN!=VALUE`.
public struct DatasetFilter: Sendable, Equatable, CustomStringConvertible {
    /// The column tested.
    public var column: String
    /// The value compared with.
    public var value: String
    /// Whether rows must differ from `value` (`!=`) instead of equal it.
    public var negated: Bool

    /// Parses `COLUMN=VALUE` or `COLUMN!=VALUE`.
    /// - Throws: ``DatasetError/invalidFilter(_:)``.
    public init(parsing text: String) throws(DatasetError) {
        if let range = text.range(of: "!=") {
            column = String(text[..<range.lowerBound])
            value = String(text[range.upperBound...])
            negated = true
        } else if let range = text.range(of: "=") {
            column = String(text[..<range.lowerBound])
            value = String(text[range.upperBound...])
            negated = false
        } else {
            throw .invalidFilter(text)
        }
        guard !column.isEmpty else { throw .invalidFilter(text) }
    }

    /// Whether `item` passes.
    public func accepts(_ item: LabelledItem) -> Bool {
        let actual = column == "id" ? item.id : (item.metadata[column] ?? "")
        return (actual == value) != negated
    }

    public var description: String { "\(column)\(negated ? "!=" : "=")\(value)" }
}

/// Images with labels, in the analysis form, for retrieval evaluation.
///
/// Two layouts are read: a directory with `images/<id>.png|jpg|dcm` and `labels.csv` (columns `id` and
/// `labels`, labels separated by `|`, as in shared/data/cxr-public), and a MedMNIST `.npz` archive
/// (`<split>_images`, `<split>_labels`; a multi-column 0/1 label array is read as multi-label).
public struct LabelledDataset: Sendable {
    /// Where the data came from (for reports).
    public var source: String
    /// The items, sorted by id.
    public var items: [LabelledItem]
    /// The images, at their stored size, scaled to 0...1 (parallel to `items`).
    public var images: [GrayImage]

    /// Creates a data set from parts.
    public init(source: String, items: [LabelledItem], images: [GrayImage]) {
        precondition(items.count == images.count, "one image per item")
        self.source = source
        self.items = items
        self.images = images
    }

    /// Number of images.
    public var count: Int { items.count }

    /// Every label that occurs, sorted.
    public var allLabels: [String] { Array(Set(items.flatMap(\.labels))).sorted() }

    /// The subset whose items satisfy `predicate`.
    public func filtered(_ predicate: (LabelledItem) -> Bool) -> LabelledDataset {
        var kept = LabelledDataset(source: source, items: [], images: [])
        for (item, image) in zip(items, images) where predicate(item) {
            kept.items.append(item)
            kept.images.append(image)
        }
        return kept
    }

    /// Reads `directory/labels.csv` and the listed images.
    ///
    /// - Parameters:
    ///   - classes: when given, keep only images carrying at least one of them.
    ///   - filters: metadata filters every kept row must pass.
    ///   - progress: advanced once per image read.
    ///   - loadImages: when false, only `labels.csv` is read and `images` holds empty 0x0 images.
    ///   - limits: the decode budget for each image.
    /// - Throws: ``DatasetError`` or the image reader's error.
    public static func loadDirectory(_ directory: URL, classes: [String]? = nil, filters: [DatasetFilter] = [],
                                     progress: ProgressReporter? = nil, loadImages: Bool = true,
                                     limits: DecodeLimits = .default) throws -> LabelledDataset {
        let csvURL = directory.appendingPathComponent("labels.csv")
        guard let text = try DatasetText.read(csvURL) else { throw DatasetError.unrecognisedLayout(path: directory.path) }
        let rows = try CSVTable(parsing: text)
        guard let idColumn = rows.header.firstIndex(of: "id") else { throw DatasetError.missingColumn("id") }
        guard let labelColumn = rows.header.firstIndex(of: "labels") else { throw DatasetError.missingColumn("labels") }
        var items: [LabelledItem] = []
        for row in rows.rows {
            var metadata: [String: String] = [:]
            for (index, name) in rows.header.enumerated() where index != idColumn && index != labelColumn {
                metadata[name] = row[index]
            }
            let labels = row[labelColumn].split(separator: "|").map { String($0).trimmingCharacters(in: .whitespaces) }
            let item = LabelledItem(id: row[idColumn], labels: labels.filter { !$0.isEmpty }, metadata: metadata)
            if let classes, !item.labels.contains(where: classes.contains) { continue }
            if !filters.allSatisfy({ $0.accepts(item) }) { continue }
            items.append(item)
        }
        items.sort { $0.id < $1.id }
        guard !items.isEmpty else { throw DatasetError.empty(reason: "no row of labels.csv matches the classes and filters") }
        if !loadImages {
            // Labels only (images left empty 1x1 placeholders are not created): callers use items and count.
            return LabelledDataset(source: directory.path, items: items,
                                   images: items.map { _ in GrayImage(rows: 0, columns: 0, values: []) })
        }
        let imageDirectory = directory.appendingPathComponent("images")
        let files = Set((try? FileManager.default.contentsOfDirectory(atPath: imageDirectory.path)) ?? [])
        let urls = try items.map { item throws(DatasetError) -> URL in
            for ext in ["png", "jpg", "jpeg", "dcm", ""] {
                let name = ext.isEmpty ? item.id : "\(item.id).\(ext)"
                if files.contains(name) { return imageDirectory.appendingPathComponent(name) }
            }
            throw DatasetError.unreadableImage(id: item.id, reason: "no file images/\(item.id).png (or .jpg, .dcm)")
        }
        let chosen = items
        let images = try Parallel.map(count: urls.count) { index throws -> GrayImage in
            defer { progress?.advance() }
            do {
                return try ImageLoader.loadGrayImage(urls[index], limits: limits)
            } catch {
                throw DatasetError.unreadableImage(id: chosen[index].id, reason: "\(error)")
            }
        }
        return LabelledDataset(source: directory.path, items: items, images: images)
    }

    /// Reads one split of a MedMNIST archive.
    ///
    /// - Parameters:
    ///   - split: `train`, `val` or `test`.
    ///   - labelNames: names for label indices (default: the index as text).
    ///   - limits: the decode budget for the archive's arrays (a bomb is refused before it inflates).
    /// - Throws: ``RasterError`` for archive problems (``RasterError/limitExceeded(_:)`` beyond `limits`),
    ///   ``DatasetError`` for inconsistent arrays.
    public static func loadMedMNIST(_ url: URL, split: String, labelNames: [String]? = nil,
                                    limits: DecodeLimits = .default) throws -> LabelledDataset {
        let archive = try NPZArchive(contentsOf: url, limits: limits)
        var images = try archive.array(named: "\(split)_images").imageBuffers(limits: limits)
        let labelArray = try archive.array(named: "\(split)_labels")
        let labelValues = try labelArray.int32s()
        guard !images.isEmpty, labelValues.count % images.count == 0 else {
            throw DatasetError.malformedRow(line: 0, reason: "\(labelValues.count) labels for \(images.count) images")
        }
        let perImage = labelValues.count / images.count
        func name(_ index: Int) -> String {
            if let labelNames, index >= 0, index < labelNames.count { return labelNames[index] }
            return String(index)
        }
        var items: [LabelledItem] = []
        for index in 0..<images.count {
            let row = labelValues[index * perImage..<(index + 1) * perImage]
            let labels: [String] = perImage == 1 ? [name(Int(row.first!))]
                : row.enumerated().filter { $0.element != 0 }.map { name($0.offset) }
            items.append(LabelledItem(id: "\(split)_\(String(format: "%05d", index))", labels: labels,
                                      metadata: ["split": split]))
        }
        // Convert one image at a time, releasing its samples, so the stack is never held twice.
        var gray: [GrayImage] = []
        gray.reserveCapacity(images.count)
        for index in images.indices {
            gray.append(images[index].grayImage())
            images[index].samples = []
        }
        return LabelledDataset(source: "\(url.lastPathComponent):\(split)", items: items, images: gray)
    }
}

/// A minimal CSV reader (RFC 4180 quoting) for `labels.csv`.
struct CSVTable {
    var header: [String]
    var rows: [[String]]

    init(parsing text: String) throws(DatasetError) {
        var records: [[String]] = []
        var field = ""
        var record: [String] = []
        var quoted = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\n" || c == "\r" {
                if c == "\r", let n = next(), n != "\n" { pending = n }
                record.append(field)
                field = ""
                if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
                record = []
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        guard let first = records.first else { throw .malformedRow(line: 1, reason: "empty file") }
        header = first.map { $0.trimmingCharacters(in: .whitespaces) }
        rows = []
        for (index, row) in records.dropFirst().enumerated() {
            guard row.count == header.count else {
                throw .malformedRow(line: index + 2, reason: "\(row.count) fields, header has \(header.count)")
            }
            rows.append(row)
        }
    }
}
