import Foundation

/// Why a labelled data set could not be loaded.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path is neither a directory with `labels.csv` nor a `.npz` archive.
    case unrecognisedLayout(path: String)
    /// `labels.csv` lacks a required column.
    case missingColumn(String)
    /// A CSV row is malformed.
    case malformedRow(line: Int, reason: String)
    /// An image listed in `labels.csv` is missing or unreadable.
    case unreadableImage(id: String, reason: String)
    /// A filter expression is not `COLUMN=VALUE` or `COLUMN!=VALUE`.
    case invalidFilter(String)
    /// No image is left after applying the classes and filters.
    case empty(reason: String)
    /// A text file (`labels.csv`) is not valid UTF-8: the first invalid byte's offset and line.
    case notUTF8(path: String, offset: Int, line: Int)

    public var description: String {
        switch self {
        case let .unrecognisedLayout(path):
            "\(path) is neither a directory with images/ and labels.csv nor a MedMNIST .npz archive"
        case let .missingColumn(column):
            "labels.csv has no \(column) column"
        case let .malformedRow(line, reason):
            "labels.csv line \(line): \(reason)"
        case let .unreadableImage(id, reason):
            "image \(id): \(reason)"
        case let .invalidFilter(text):
            "invalid filter \(text.debugDescription) (use COLUMN=VALUE or COLUMN!=VALUE)"
        case let .empty(reason):
            "no images selected: \(reason)"
        case let .notUTF8(path, offset, line):
            "\(path) is not UTF-8 text: invalid byte at offset \(offset) (line \(line)); save it as UTF-8"
        }
    }
}

/// Reading the dataset's text files.
public enum DatasetText {
    /// The UTF-8 text of `url`, or nil when there is no such file.
    ///
    /// - Throws: ``DatasetError/notUTF8(path:offset:line:)`` naming the first invalid byte; a file that exists but
    ///   cannot be read: ``DatasetError/unrecognisedLayout(path:)``.
    public static func read(_ url: URL) throws(DatasetError) -> String? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = try? Data(contentsOf: url) else { throw .unrecognisedLayout(path: url.path) }
        let bytes = [UInt8](data)
        guard let offset = firstInvalidUTF8Offset(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        let line = bytes[..<offset].filter { $0 == 0x0A }.count + 1
        throw .notUTF8(path: url.path, offset: offset, line: line)
    }

    /// The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629), or nil.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            var continuation = 0, low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0x00...0x7F: index += 1; continue
            case 0xC2...0xDF: continuation = 1
            case 0xE0: continuation = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: continuation = 2
            case 0xED: continuation = 2; high = 0x9F
            case 0xF0: continuation = 3; low = 0x90
            case 0xF1...0xF3: continuation = 3
            case 0xF4: continuation = 3; high = 0x8F
            default: return index
            }
            guard index + continuation < bytes.count else { return index }
            for k in 1...continuation {
                let byte = bytes[index + k]
                if byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xBF) { return index }
            }
            index += continuation + 1
        }
        return nil
    }
}
