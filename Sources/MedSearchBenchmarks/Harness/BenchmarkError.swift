/// Why a benchmark could not run: one line for the command line.
public enum BenchmarkError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A configuration value is invalid.
    case invalidArgument(String)
    /// A file or directory the benchmark needs is missing or unreadable.
    case missingInput(String)
    /// The result of an encrypted computation differed from the plaintext computation.
    case wrongResult(String)

    public var description: String {
        switch self {
        case let .invalidArgument(reason): reason
        case let .missingInput(reason): reason
        case let .wrongResult(reason): reason
        }
    }
}
