/// Why a big-integer operation on untrusted input failed. Never carries the value itself.
public enum BigIntError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not an integer in the requested radix.
    case invalidString
    /// The radix is outside 2...62.
    case invalidRadix(Int)

    public var description: String {
        switch self {
        case .invalidString: "not an integer in the requested radix"
        case let .invalidRadix(radix): "radix \(radix) is outside 2...62"
        }
    }
}
