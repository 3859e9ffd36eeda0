import MedSearchCore

/// Why a TrustMedSearch operation failed.
///
/// Payloads carry counts, indices, record ids and short reasons, never image bytes, hashcodes, keys or
/// decrypted distances.
public enum TrustMedError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A message or stored object could not be decoded.
    case malformed(WireError)
    /// A parameter is out of range (thresholds, sizes, counts).
    case invalidParameter(String)
    /// A record id is empty, too long or has characters outside `[A-Za-z0-9._-]`.
    case invalidRecordID(String)
    /// A share id is not 32 lowercase hex characters.
    case invalidShareID
    /// The master has no evaluation keys yet (`trustmed keygen --master ...` registers them).
    case keysNotRegistered
    /// The request was made under different keys than the master holds.
    case keyMismatch
    /// An idempotency key was reused for a different request.
    case idempotencyKeyReused
    /// The record id is already stored with a different image.
    case recordConflict(String)
    /// The record is not stored (or its upload never completed).
    case unknownRecord(String)
    /// No share with this id is stored on this node.
    case unknownShare
    /// Fewer than `threshold` storage nodes returned a valid share for a record.
    case notEnoughShares(recordID: String, valid: Int, threshold: Int)
    /// A storage node failed (down, slow, or refused); the reason is a short text.
    case nodeFailure(node: Int, reason: String)
    /// A homomorphic-encryption step failed (wrong parameters, malformed ciphertext).
    case homomorphic(String)
    /// Secret sharing failed (bad share set, manifest signature).
    case sharing(String)
    /// Sealing or opening an image failed (wrong key, altered or swapped ciphertext).
    case sealing(String)
    /// The metadata or share store failed.
    case storage(String)
    /// The role is at its limit of work in progress (a search worker's queue of evaluations is full); retry later.
    case busy(String)

    public var description: String {
        switch self {
        case let .malformed(error): "malformed TrustMedSearch message: \(error)"
        case let .invalidParameter(reason): "invalid parameter: \(reason)"
        case let .invalidRecordID(id): "invalid record id \(id.prefix(64).debugDescription) (1-128 characters A-Z a-z 0-9 . _ -)"
        case .invalidShareID: "invalid share id (expected 32 lowercase hex characters)"
        case .keysNotRegistered: "the edge master holds no evaluation keys yet; register them with `medsearch trustmed keygen --master URL`"
        case .keyMismatch: "the request was made under other keys than the ones registered at the edge master"
        case .idempotencyKeyReused: "idempotency key reused for a different upload"
        case let .recordConflict(id): "record \(id) is already stored with a different image"
        case let .unknownRecord(id): "record \(id) is not stored"
        case .unknownShare: "no share with this id is stored here"
        case let .notEnoughShares(id, valid, threshold):
            "record \(id): only \(valid) valid share(s) reachable, \(threshold) needed; the image cannot be rebuilt"
        case let .nodeFailure(node, reason): "storage node \(node): \(reason)"
        case let .homomorphic(reason): "homomorphic encryption: \(reason)"
        case let .sharing(reason): "secret sharing: \(reason)"
        case let .sealing(reason): "image sealing: \(reason)"
        case let .storage(reason): "storage: \(reason)"
        case let .busy(reason): "busy: \(reason)"
        }
    }
}

extension TrustMedError {
    /// Runs `body`, turning a ``WireError`` into ``TrustMedError/malformed(_:)``.
    static func decoding<T>(_ body: () throws(WireError) -> T) throws(TrustMedError) -> T {
        do { return try body() } catch { throw .malformed(error) }
    }
}
