/// Why a command could not read or write an image file: one line naming the file and the reason, never an
/// attribute value.
public enum ImageFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read or decoded.
    case unreadable(file: String, reason: String)
    /// The output could not be written.
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): \(reason)"
        case .cannotWrite(let file, let reason): "cannot write \(file): \(reason)"
        }
    }
}
