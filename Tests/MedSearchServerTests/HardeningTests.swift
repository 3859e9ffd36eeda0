import Foundation
import Hummingbird
@testable import MedSearchServer
import MedSearchTransport
import MedSearchTrustMed
import Synchronization
import Testing
import _MedSearchTestSupport

/// Issue 14, items 2, 6 and 7 on the server side: no body is read past a route's limit, stalled connections are
/// closed, a request's work ends at the caller's deadline or when the caller goes away, and the edge master calls
/// only the nodes of its own node list.
@Suite(.serialized) struct ServerHardeningTests {
    /// Lets the server take in every closed connection before the test stops it (a hard stop of Hummingbird's
    /// `run()` with accepted connections still queued trips a precondition in NIO's async writer).
    static func settle() async throws { try await Task.sleep(for: .milliseconds(300)) }

    @Test("every role answers 413 to a declared Content-Length above the route's limit, before any body is sent")
    func oversizedDeclaredBodiesAre413AtOnce() async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: ServiceRole.allCases)
        for (role, router) in try await RouteTableLiveTests.routers(tokens: tokens) {
            try await withLiveServer(router) { url in
                let port = try #require(loopbackPort(of: url))
                for route in Routes.served(by: role) where route.request != .none {
                    let caller = try #require(route.callers.sorted { $0.rawValue < $1.rawValue }.first)
                    let path = try route.path(route.parameterNames.map { _ in String(repeating: "0", count: 32) })
                    let connection = try RawHTTPConnection(port: port)
                    try connection.send("\(route.method.rawValue) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        + "Authorization: Bearer \(byRole[caller]!)\r\n"
                                        + "Content-Length: \(route.maxRequestBytes + 1)\r\n\r\n")
                    #expect(await connection.status() == 413, "\(route)")
                }
                try await Self.settle()
            }
        }
    }

    @Test("no route of a role takes a body above its limit; a user's search on the edge master at most 16 MiB")
    func bodyLimitsPerRoute() {
        #expect(Routes.EdgeMaster.search.maxRequestBytes <= 16 << 20)
        #expect(Routes.EdgeMaster.fetch.maxRequestBytes <= 1 << 20)
        for route in Routes.all where route.callers.contains(.user) && route.request != .none {
            // A clinician's token reaches only query-sized bodies (FNN's C1 query carries the encrypted vector).
            #expect(route.maxRequestBytes <= (route == Routes.FNNC1.query ? Routes.largeBody : 16 << 20), "\(route)")
        }
    }

    @Test("a connection idle, or stalled in its headers or body, is closed after the idle timeout")
    func stalledConnectionsAreClosed() async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: [.user])
        let router = SEIService.router(node: try await SEIService.Node(dataDirectory: nil), tokens: tokens)
        try await withLiveServer(router, idleTimeout: .milliseconds(500)) { url in
            let port = try #require(loopbackPort(of: url))
            let idle = try RawHTTPConnection(port: port, readTimeout: 10)
            let halfHead = try RawHTTPConnection(port: port, readTimeout: 10)
            try halfHead.send("POST /sei/v1/search HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bea")
            let halfBody = try RawHTTPConnection(port: port, readTimeout: 10)
            try halfBody.send("POST /sei/v1/search HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(byRole[.user]!)\r\n"
                              + "Content-Length: 1000\r\n\r\n0123456789")
            #expect(await idle.receive().closed)
            #expect(await halfHead.receive().closed)
            let (text, closed) = await halfBody.receive()
            #expect(closed)
            #expect(!text.contains("200 OK"))
            try await Self.settle()
        }
    }

    /// How the slow handler's work ended.
    final class Ended: Sendable {
        let value = Mutex<[String]>([])
        /// Whether the handler has begun (a request still queued when its connection closes never reaches it).
        let started = Mutex(false)
    }

    static let slow = Route("test.slow-work", server: .sei, .post, "/test/slow-work", request: .binary,
                            response: .text, access: .roles([.owner]), maxRequestBytes: 16)

    /// A router whose one route works for 60 s unless cancelled, recording how its work ended.
    static func slowRouter(tokens: AccessTokens, ended: Ended) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: .sei)
        router.on(Self.slow) { _ in
            ended.started.withLock { $0 = true }
            do {
                try await Task.sleep(for: .seconds(60))
                ended.value.withLock { $0.append("finished") }
            } catch {
                ended.value.withLock { $0.append(error is CancellationError ? "cancelled" : "failed") }
                throw error
            }
            return .text("done")
        }
        return router
    }

    /// Sends `POST /test/slow-work` with the owner's token and `headers` over a raw connection to a live
    /// ``slowRouter(tokens:ended:)``: `whileOpen` runs with the connection open (it is closed when `whileOpen`
    /// returns), then `afterwards` with the server's URL and the token.
    func slowWork(headers: String, whileOpen: (RawHTTPConnection, Ended) async throws -> Void,
                  afterwards: (_ url: String, _ token: String, Ended) async throws -> Void) async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: [.owner])
        let token = try #require(byRole[.owner])
        let ended = Ended()
        try await withLiveServer(Self.slowRouter(tokens: tokens, ended: ended)) { url in
            let port = try #require(loopbackPort(of: url))
            do {
                let connection = try RawHTTPConnection(port: port)
                try connection.send("POST /test/slow-work HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                                    + headers + "Content-Length: 1\r\n\r\nx")
                try await whileOpen(connection, ended)
            }  // closed here
            try await afterwards(url, token, ended)
            try await Self.settle()
        }
    }

    @Test("the caller's deadline reaches the server (504) and stops the handler's work")
    func deadlinePropagatesAndCancels() async throws {
        try await slowWork(headers: "\(RequestDeadline.header): 300\r\nConnection: close\r\n") { connection, _ in
            #expect(await connection.status() == 504)
        } afterwards: { url, token, ended in
            #expect(ended.value.withLock { $0 } == ["cancelled"])
            // The client sends its own budget, cut to an enclosing deadline.
            let client = ServiceClient(baseURL: url, token: token, timeout: .seconds(60))
            await #expect(throws: ServiceError.self) {
                try await RequestDeadline.$current.withValue(.now + .milliseconds(300)) {
                    _ = try await client.call(Self.slow, body: [1])
                }
            }
        }
    }

    @Test("a caller that closes its connection stops the handler's work")
    func disconnectCancels() async throws {
        try await slowWork(headers: "") { _, ended in
            // Close only once the handler works (on a loaded machine it may take a while to be reached).
            for _ in 0..<400 where !ended.started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
            #expect(ended.started.withLock { $0 })
        } afterwards: { _, _, ended in
            for _ in 0..<200 where ended.value.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(50)) }
            #expect(ended.value.withLock { $0 } == ["cancelled"])
        }
    }

    @Test("the edge master's re-share takes a node index only: an address in the request is refused")
    func reshareTakesNoAddress() async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: [.admin])
        let routers = try await RouteTableLiveTests.routers(tokens: tokens)
        let router = try #require(routers.first { $0.0 == .edgeMaster }?.1)
        try await withLiveServer(router) { url in
            let admin = ServiceClient(baseURL: url, token: byRole[.admin]!)
            await #expect {
                _ = try await admin.call(Routes.EdgeMaster.reshare,
                                         body: ReshareRequest(nodeIndex: 0, newURL: "http://169.254.169.254").serialized())
            } throws: { error in
                guard case let .http(status, message) = error as? ServiceError else { return false }
                return status == 400 && message.contains("node index only")
            }
        }
    }
}
