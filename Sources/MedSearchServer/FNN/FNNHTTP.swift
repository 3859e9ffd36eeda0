import Dispatch
import Hummingbird
import MedSearchFNN
import MedSearchStore

/// Maps FNN engine and store errors to HTTP statuses, and runs heavy protocol steps off Swift's cooperative pool.
enum FNNHTTP {
    /// Runs a handler body, turning ``FNNError`` and ``StoreError`` into an `HTTPError` with its one-line text.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as FNNError {
            throw HTTPError(status(for: error), message: error.description)
        } catch let error as StoreError {
            switch error {
            case .notFound: throw HTTPError(.notFound, message: error.description)
            case .conflict: throw HTTPError(.conflict, message: error.description)
            case .database: throw HTTPError(.serviceUnavailable, message: error.description)
            case .cannotOpen, .corrupt, .invalidLocation: throw HTTPError(.internalServerError, message: error.description)
            }
        }
    }

    static func status(for error: FNNError) -> HTTPResponse.Status {
        switch error {
        case .wire, .backendMismatch, .dimensionMismatch, .valueOutOfRange, .parameterOverflow, .invalidParameter,
             .malformed, .unexpectedMessage, .paillier, .labelAuthenticationFailed:
            .badRequest
        case .duplicateRecord: .conflict
        case .unknownRecord, .unknownQuery: .notFound
        case .correlationPoolExhausted: .serviceUnavailable
        }
    }

    /// Runs CPU-heavy synchronous work on a Dispatch queue (the engine fans out with `concurrentPerform`).
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

/// The JSON status a FNN server reports (`GET /fnn/v1/status`).
public struct FNNServerStatus: Codable, Sendable, Equatable {
    /// `"fnn-c1"` or `"fnn-c2"`.
    public var role: String
    /// Whether the owner's set-up has arrived.
    public var configured: Bool
    /// The back end, once configured.
    public var backend: String?
    /// The vector dimension, once configured.
    public var dimension: Int?
    /// Records stored (C1).
    public var records: Int
    /// The largest record id stored (C1), or nil.
    public var maxRecordID: UInt64?
    /// Unconsumed correlation entries (shared back end).
    public var unusedEntries: [UInt64]
    /// The next entry number the owner should use when replenishing.
    public var nextEntry: UInt64

    /// Creates a status.
    public init(role: String, configured: Bool, backend: String?, dimension: Int?, records: Int, maxRecordID: UInt64?,
                unusedEntries: [UInt64], nextEntry: UInt64) {
        self.role = role
        self.configured = configured
        self.backend = backend
        self.dimension = dimension
        self.records = records
        self.maxRecordID = maxRecordID
        self.unusedEntries = unusedEntries
        self.nextEntry = nextEntry
    }
}
