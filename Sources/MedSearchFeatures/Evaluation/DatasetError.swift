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
        }
    }
}
