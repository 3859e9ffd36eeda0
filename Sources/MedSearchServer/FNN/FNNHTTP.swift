import Dispatch
import Hummingbird
import MedSearchCore
import MedSearchFNN
import MedSearchStore
import MedSearchTransport

/// Maps FNN engine and store errors to HTTP statuses, and runs heavy protocol steps off Swift's cooperative pool.
enum FNNHTTP {
    /// Runs a handler body, turning ``FNNError`` (a ``WireError`` as ``FNNError/wire(_:)``) and ``StoreError``
    /// into an `HTTPError` with its one-line text.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await FNNError.mappingToHTTP(body)
        } catch let error as StoreError {
            switch error {
            case .notFound: throw HTTPError(.notFound, message: error.description)
            case .conflict: throw HTTPError(.conflict, message: error.description)
            case .database: throw HTTPError(.serviceUnavailable, message: error.description)
            case .cannotOpen, .corrupt, .invalidLocation: throw HTTPError(.internalServerError, message: error.description)
            }
        }
    }

    /// The bytes to store for a set-up, or nil when the store already holds the same one. Set-ups are compared by
    /// value, so one stored by an earlier format version (FNN version 1) matches the same set-up re-sent in the
    /// current version; a different set-up is returned, and the store refuses it as a conflict.
    static func setupToStore<Setup: WireMessage>(_ setup: Setup, stored: [UInt8]?) -> [UInt8]? {
        let canonical = setup.serialized()
        if let stored, let old = try? Setup(serialized: stored), old.serialized() == canonical { return nil }
        return canonical
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

/// What both FNN clouds take alike: their set-up, correlation entries and record deletions (wire bytes in).
protocol FNNCloudNode: Actor {
    /// Stores the set-up (the same one again is accepted).
    func setup(_ bytes: [UInt8]) async throws
    /// Adds correlation entries; returns how many.
    func addPool(_ bytes: [UInt8]) async throws -> Int
    /// Deletes records; returns how many.
    func deleteRecords(_ bytes: [UInt8]) async throws -> Int
}

extension FNNHTTP {
    /// Registers the routes both clouds serve alike, each cloud with its own route table entries.
    static func addCloudRoutes(to router: Router<MedSearchRequestContext>, node: some FNNCloudNode,
                               setup: Route, pool: Route, deleteRecords: Route) {
        router.on(setup) { call in
            try await mapped { try await node.setup(call.body) }
            return .text("configured")
        }
        router.on(pool) { call in
            .text("added \(try await mapped { try await node.addPool(call.body) }) correlation entries")
        }
        router.on(deleteRecords) { call in
            .text("deleted \(try await mapped { try await node.deleteRecords(call.body) })")
        }
    }
}

extension FNNError: EngineHTTPError {
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .wire, .backendMismatch, .dimensionMismatch, .valueOutOfRange, .parameterOverflow, .invalidParameter,
             .malformed, .unexpectedMessage, .paillier, .labelAuthenticationFailed:
            .badRequest
        case .duplicateRecord: .conflict
        case .unknownRecord, .unknownQuery: .notFound
        case .correlationPoolExhausted: .serviceUnavailable
        }
    }

    init(malformed error: WireError) { self = .wire(error) }
}
