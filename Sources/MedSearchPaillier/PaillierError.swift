import MedSearchCore

/// Why a Paillier operation on untrusted input failed. Payloads never carry plaintexts or key material.
public enum PaillierError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Key generation was asked for a size other than 2048 or 3072 bits (use the `insecure` API in tests).
    case unsupportedKeySize(Int)
    /// A decoded key is malformed (not a valid modulus, primes that do not match, ...).
    case invalidKey(String)
    /// A ciphertext is not in `1..<N^2` or has the wrong width for this key.
    case invalidCiphertext(String)
    /// A plaintext is outside the range the operation accepts.
    case plaintextOutOfRange(bits: Int, limitBits: Int)
    /// A fixed-point value does not fit the encoder's range (or is not finite).
    case fixedPointOverflow(String)
    /// Packing parameters or values do not fit.
    case packingOverflow(String)
    /// A key file's permissions let users other than its owner read it.
    case insecureKeyFilePermissions(path: String, mode: UInt16)
    /// A key file could not be read or written.
    case io(String)
    /// A binary encoding could not be decoded.
    case wire(WireError)

    public var description: String {
        switch self {
        case let .unsupportedKeySize(bits):
            "Paillier keys are generated at 2048 or 3072 bits (asked for \(bits))"
        case let .invalidKey(reason): "invalid Paillier key: \(reason)"
        case let .invalidCiphertext(reason): "invalid Paillier ciphertext: \(reason)"
        case let .plaintextOutOfRange(bits, limit):
            "plaintext of \(bits) bits is outside the accepted range (\(limit) bits)"
        case let .fixedPointOverflow(reason): "fixed-point overflow: \(reason)"
        case let .packingOverflow(reason): "packing overflow: \(reason)"
        case let .insecureKeyFilePermissions(path, mode):
            "secret key file \(path) has mode \(String(mode, radix: 8)); it must be readable only by its owner (0600)"
        case let .io(reason): "key file error: \(reason)"
        case let .wire(error): "malformed Paillier data: \(error)"
        }
    }
}
