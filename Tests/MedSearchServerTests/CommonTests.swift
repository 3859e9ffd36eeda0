import Foundation
import Hummingbird
import Logging
import MedSearchCore
@testable import MedSearchServer
import Testing

/// An engine-style error used to check the error mapping.
private struct SampleEngineError: Error, CustomStringConvertible {
    var description: String { "record 7 has 3 coordinates, expected 4" }
}

@Suite struct AccessTokenTests {
    @Test func issuedTokensMapToTheirRolesOnly() {
        let (table, byRole) = AccessTokens.issue(roles: [.owner, .user, .fnnC1])
        #expect(table.tokens.count == 3)
        #expect(table.role(for: byRole[.owner]!) == .owner)
        #expect(table.role(for: byRole[.fnnC1]!) == .fnnC1)
        #expect(table.role(for: byRole[.owner]! + "x") == nil)
        #expect(table.role(for: "") == nil)
        #expect(Set(byRole.values).count == 3)
    }

    @Test func tokenFilesAreOwnerOnlyAndRoundTrip() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (table, _) = AccessTokens.issue(roles: [.admin])
        let file = directory.appendingPathComponent("tokens.json")
        try table.write(to: file)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try AccessTokens.load(from: file) == table)
        try Data("{not json".utf8).write(to: file)
        #expect(throws: ServiceError.self) { try AccessTokens.load(from: file) }
        #expect(throws: ServiceError.self) { try AccessTokens.load(from: directory.appendingPathComponent("none")) }
    }
}

@Suite struct LiveServiceTests {
    /// Runs a small role on a free loopback port while `body` talks to it.
    func withServer(_ body: (String, [ServiceRole: String]) async throws -> Void) async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: [.owner, .user])
        let router = ServiceRunner.makeRouter(tokens: tokens, role: "test")
        router.post("/echo") { request, context -> Response in
            try context.require(.owner)
            return .binary(try await request.bodyBytes())
        }
        router.post("/fail") { _, _ -> Response in throw SampleEngineError() }
        let configuration = ServiceConfiguration(dataDirectory: FileManager.default.temporaryDirectory, tokens: tokens)
        let (urls, continuation) = AsyncStream<String>.makeStream()
        let app = ServiceRunner.makeApplication(router: router, configuration: configuration,
                                                logger: Logger(label: "test")) { continuation.yield($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = urls.makeAsyncIterator()
            let url = try #require(await iterator.next())
            try await body(url, byRole)
            group.cancelAll()
        }
    }

    @Test func authenticatesAuthorisesAndMapsErrors() async throws {
        try await withServer { url, byRole in
            let owner = ServiceClient(baseURL: url, token: byRole[.owner]!)
            let echoed = try await owner.post("/echo", body: [1, 2, 3])
            #expect(echoed == [1, 2, 3])
            let empty = try await owner.post("/echo", body: [])
            #expect(empty.isEmpty)
            let healthy = await owner.isHealthy()
            #expect(healthy)

            let stranger = ServiceClient(baseURL: url, token: "ms_unknown")
            await #expect(throws: ServiceError.http(status: 401, message: "missing or unknown bearer token")) {
                try await stranger.post("/echo", body: [1])
            }
            let user = ServiceClient(baseURL: url, token: byRole[.user]!)
            await #expect(throws: ServiceError.http(status: 403, message: "role user may not do this (needs owner)")) {
                try await user.post("/echo", body: [1])
            }
            await #expect(throws: ServiceError.http(status: 400, message: "record 7 has 3 coordinates, expected 4")) {
                try await owner.post("/fail")
            }
        }
    }

    @Test func unreachablePeerIsATypedError() async throws {
        // Bind and release a port so that nothing listens on it.
        var closedURL = ""
        try await withServer { url, _ in closedURL = url }
        let client = ServiceClient(baseURL: closedURL, token: "t", timeout: .seconds(5))
        await #expect {
            try await client.get("/health")
        } throws: { error in
            if case .unreachable = error as? ServiceError { return true }
            return false
        }
        let healthy = await client.isHealthy()
        #expect(!healthy)
    }
}

@Suite struct ServiceProcessTests {
    @Test func launchesWaitsForTheListeningLineAndTerminates() async throws {
        let script = "echo starting; echo 'MEDSEARCH_LISTENING http://127.0.0.1:4242'; exec sleep 600"
        let child = try await ServiceProcess.launch(executable: URL(fileURLWithPath: "/bin/sh"),
                                                   arguments: ["-c", script])
        #expect(child.url == "http://127.0.0.1:4242")
        #expect(child.isRunning)
        await child.terminate()
        #expect(!child.isRunning)
    }

    @Test func aChildThatDiesBeforeListeningIsALaunchFailureWithItsLog() async throws {
        await #expect {
            _ = try await ServiceProcess.launch(executable: URL(fileURLWithPath: "/bin/sh"),
                                                arguments: ["-c", "echo 'cannot open database' >&2; exit 3"])
        } throws: { error in
            guard case let .launchFailed(_, reason) = error as? ServiceError else { return false }
            return reason.contains("cannot open database")
        }
    }

    @Test func aMissingExecutableIsALaunchFailure() async throws {
        await #expect(throws: ServiceError.self) {
            _ = try await ServiceProcess.launch(executable: URL(fileURLWithPath: "/nonexistent/medsearch"),
                                                arguments: ["serve"])
        }
    }
}
