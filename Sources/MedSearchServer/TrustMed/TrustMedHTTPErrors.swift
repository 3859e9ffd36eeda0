import Hummingbird
import MedSearchCore
import MedSearchTrustMed

/// Maps engine errors to HTTP statuses (the engine never imports Hummingbird).
enum TrustMedHTTP {
    /// Runs a handler body, turning a ``TrustMedError`` into an `HTTPError` with a fitting status and its
    /// one-line description.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TrustMedError {
            throw HTTPError(status(for: error), message: error.description)
        } catch let error as WireError {
            throw HTTPError(.badRequest, message: TrustMedError.malformed(error).description)
        }
    }

    static func status(for error: TrustMedError) -> HTTPResponse.Status {
        switch error {
        case .malformed, .invalidParameter, .invalidRecordID, .invalidShareID, .homomorphic, .sealing: .badRequest
        case .keysNotRegistered, .keyMismatch, .idempotencyKeyReused, .recordConflict: .conflict
        case .unknownRecord, .unknownShare: .notFound
        case .notEnoughShares, .nodeFailure: .serviceUnavailable
        case .sharing, .storage: .internalServerError
        }
    }
}
