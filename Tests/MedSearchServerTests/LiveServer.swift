import Foundation
import Hummingbird
import Logging
import MedSearchServer
import MedSearchTransport
import Testing

/// Runs `router` on a free loopback port while `body` talks to it, then stops it.
func withLiveServer(_ router: Router<MedSearchRequestContext>, dataDirectory: URL = FileManager.default.temporaryDirectory,
                    idleTimeout: Duration = ConnectionLimits.idleTimeout,
                    _ body: (String) async throws -> Void) async throws {
    var configuration = ServiceConfiguration(dataDirectory: dataDirectory, tokens: AccessTokens(tokens: [:]))
    configuration.idleTimeout = idleTimeout
    try await withLiveServer(router, configuration: configuration, body)
}

/// Runs `router` with `configuration` (plain HTTP, or TLS with its credentials) while `body` talks to its URL.
func withLiveServer(_ router: Router<MedSearchRequestContext>, configuration: ServiceConfiguration,
                    _ body: (String) async throws -> Void) async throws {
    let (urls, continuation) = AsyncStream<String>.makeStream()
    let app = ServiceRunner.makeApplication(router: router, configuration: configuration,
                                            logger: Logger(label: "test")) { continuation.yield($0) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        var iterator = urls.makeAsyncIterator()
        let url = try #require(await iterator.next())
        do {
            try await body(url)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}
