/// Errors of the trusted client side (CLI, demo, web application) before anything reaches a server.
public enum MedSearchClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file the client needs is missing or unreadable; `hint` says how to create it.
    case unreadableFile(path: String, hint: String)
    /// An input (image, vector, option) cannot be used; the reason says why.
    case invalidInput(String)

    /// A one-line explanation for the user.
    public var description: String {
        switch self {
        case let .unreadableFile(path, hint): return hint.isEmpty ? "cannot read \(path)" : "cannot read \(path) (\(hint))"
        case let .invalidInput(reason): return reason
        }
    }
}
