import MedSearchCore

/// Why sealing or opening an image failed. Payloads never carry pixels, plaintexts or key bytes.
public enum SealingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The sealed data failed authentication: wrong key, a different image id, or altered bytes.
    case authenticationFailed
    /// A key has the wrong length or format.
    case invalidKey(String)
    /// Image dimensions or sample width are not supported.
    case invalidImage(String)
    /// A key file's permissions let users other than its owner read it.
    case insecureKeyFilePermissions(path: String, mode: UInt16)
    /// A key file could not be read or written.
    case io(String)
    /// The sealed bytes could not be decoded.
    case wire(WireError)
    /// The underlying cryptographic library failed.
    case cryptoFailure(String)

    public var description: String {
        switch self {
        case .authenticationFailed:
            "the sealed image failed authentication (wrong key, another image's id, or altered bytes)"
        case let .invalidKey(reason): "invalid sealing key: \(reason)"
        case let .invalidImage(reason): "invalid image: \(reason)"
        case let .insecureKeyFilePermissions(path, mode):
            "key file \(path) has mode \(String(mode, radix: 8)); it must be readable only by its owner (0600)"
        case let .io(reason): "key file error: \(reason)"
        case let .wire(error): "malformed sealed data: \(error)"
        case let .cryptoFailure(reason): "cryptographic failure: \(reason)"
        }
    }
}
