import Hummingbird
import MedSearchCore

/// An engine's error type as a server role answers it: the HTTP status of each error, and the engine's own error
/// for a message that did not decode (the engines never import Hummingbird).
protocol EngineHTTPError: Error, CustomStringConvertible {
    /// The status of a request that failed with this error.
    var httpStatus: HTTPResponse.Status { get }
    /// The engine's error for a malformed message.
    init(malformed error: WireError)
}

extension EngineHTTPError {
    /// Runs a handler body, turning this engine's errors, and a ``WireError`` as the engine's malformed-message
    /// error (400), into an `HTTPError` with the status and the error's one-line description.
    static func mappingToHTTP<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as Self {
            throw HTTPError(error.httpStatus, message: error.description)
        } catch let error as WireError {
            throw HTTPError(.badRequest, message: Self(malformed: error).description)
        }
    }
}
