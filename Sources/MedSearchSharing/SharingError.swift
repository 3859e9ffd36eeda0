import MedSearchCore

/// Why splitting or combining shares failed. Payloads name share indices and counts, never share contents.
public enum SharingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The threshold or share count is outside `2 <= m <= n <= 255`.
    case invalidParameters(threshold: Int, shares: Int)
    /// The manifest's signature does not verify under the master's public key.
    case invalidManifestSignature
    /// The manifest belongs to another object.
    case objectMismatch
    /// Fewer than `needed` shares survived verification; `rejected` lists each refused share and why.
    case notEnoughValidShares(valid: Int, needed: Int, rejected: [ShareRejection])
    /// The rebuilt data failed authentication (cannot happen with verified shares unless the master signed bad ones).
    case authenticationFailed
    /// A share or manifest could not be decoded.
    case wire(WireError)
    /// The underlying cryptographic library failed.
    case cryptoFailure(String)

    public var description: String {
        switch self {
        case let .invalidParameters(m, n): "need 2 <= m <= n <= 255 (got m = \(m), n = \(n))"
        case .invalidManifestSignature: "the share manifest's signature is not valid for the master's key"
        case .objectMismatch: "the manifest belongs to another object"
        case let .notEnoughValidShares(valid, needed, rejected):
            "only \(valid) valid shares, \(needed) needed"
                + (rejected.isEmpty ? "" : " (rejected: " + rejected.map(\.description).joined(separator: ", ") + ")")
        case .authenticationFailed: "the rebuilt data failed authentication"
        case let .wire(error): "malformed share data: \(error)"
        case let .cryptoFailure(reason): "cryptographic failure: \(reason)"
        }
    }
}

/// A share refused while combining, and why.
public struct ShareRejection: Sendable, Equatable, CustomStringConvertible {
    /// Why a share was refused.
    public enum Reason: String, Error, Sendable, Equatable {
        /// The bytes are not a share of a supported version.
        case malformed
        /// The share's hash is not the one the signed manifest lists for its index.
        case hashMismatch
        /// The share's index, threshold, count or lengths disagree with the manifest.
        case inconsistent
        /// Another valid share with the same index was already accepted.
        case duplicate
    }

    /// The share's position in the caller's list.
    public let position: Int
    /// The index the share claims (nil when it could not be decoded).
    public let index: Int?
    /// Why it was refused.
    public let reason: Reason

    public var description: String {
        "#\(position)" + (index.map { " (index \($0))" } ?? "") + ": \(reason.rawValue)"
    }
}
