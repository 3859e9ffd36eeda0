import Hummingbird
import MedSearchCore
import MedSearchTrustMed

/// Maps TrustMedSearch's errors to HTTP statuses (the engine never imports Hummingbird).
enum TrustMedHTTP {
    /// Runs a handler body, turning a ``TrustMedError`` (a ``WireError`` as ``TrustMedError/malformed(_:)``) into an
    /// `HTTPError` with a fitting status and its one-line description.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        try await TrustMedError.mappingToHTTP(body)
    }
}

extension TrustMedError: EngineHTTPError {
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .malformed, .invalidParameter, .invalidRecordID, .invalidShareID, .homomorphic, .sealing: .badRequest
        case .keysNotRegistered, .keyMismatch, .idempotencyKeyReused, .recordConflict: .conflict
        case .unknownRecord, .unknownShare: .notFound
        case .notEnoughShares, .nodeFailure, .busy: .serviceUnavailable
        case .sharing, .storage: .internalServerError
        }
    }

    init(malformed error: WireError) { self = .malformed(error) }
}
