import MedSearchCore

/// Why a CNN weights file could not be loaded or an image could not be embedded.
///
/// Payloads name offsets, shapes and reasons, never weights or pixel values.
public enum CNNModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a well-formed weights file (truncated, wrong tag, unsupported version, trailing bytes...).
    case malformed(WireError)
    /// The file parsed, but describes a network that cannot run (shapes that do not chain, sizes out of bounds).
    case invalidModel(reason: String)
    /// No weights file of that name is bundled with MedSearchFeatures.
    case resourceNotFound(name: String)
    /// The file could not be read from disk.
    case unreadableFile(path: String)
    /// The image does not have the model's input size (resize it to ``CNNModel/inputSide`` first).
    case inputSizeMismatch(expectedSide: Int, rows: Int, columns: Int)

    public var description: String {
        switch self {
        case let .malformed(error):
            "malformed CNN weights file: \(error)"
        case let .invalidModel(reason):
            "invalid CNN model: \(reason)"
        case let .resourceNotFound(name):
            "no bundled CNN model named \(name.debugDescription)"
        case let .unreadableFile(path):
            "cannot read CNN weights file \(path)"
        case let .inputSizeMismatch(expectedSide, rows, columns):
            "CNN input must be \(expectedSide)x\(expectedSide), got \(rows)x\(columns)"
        }
    }
}
