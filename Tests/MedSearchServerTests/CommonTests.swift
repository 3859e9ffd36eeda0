import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import MedSearchCore
@testable import MedSearchServer
import MedSearchTransport
import MedSearchTrustMed
import NIOCore
import Testing

/// An engine-style error used to check the error mapping.
private struct SampleEngineError: Error, CustomStringConvertible {
    var description: String { "record 7 has 3 coordinates, expected 4" }
}

@Suite struct AccessTokenTests {
    @Test func issuedTokensMapToTheirRolesOnly() throws {
        let (table, byRole) = AccessTokens.issue(roles: [.owner, .user, .fnnC1])
        #expect(table.tokens.count == 3)
        #expect(table.role(for: byRole[.owner]!) == .owner)
        #expect(table.role(for: byRole[.fnnC1]!) == .fnnC1)
        #expect(table.role(for: byRole[.owner]! + "x") == nil)
        #expect(table.role(for: "") == nil)
        #expect(Set(byRole.values).count == 3)
        #expect(try table.token(for: .user) == byRole[.user])
        #expect(throws: ServiceError.self) { try table.token(for: .admin) }
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
        try OwnerOnlyFile.write(Array("{not json".utf8), to: file)
        #expect(throws: ServiceError.self) { try AccessTokens.load(from: file) }
        #expect(throws: ServiceError.self) { try AccessTokens.load(from: directory.appendingPathComponent("none")) }
    }
}

/// The server side of the route table, over real loopback sockets.
@Suite struct RouteTableLiveTests {
    /// Every role's router, in process, with a token for every caller role.
    static func routers(tokens: AccessTokens) async throws -> [(ServerRole, Router<MedSearchRequestContext>)] {
        struct NoPeer: FNNC1Service.PeerTransport {
            func exchange(_ body: [UInt8]) async throws -> [UInt8] { throw ServiceError.unreachable(url: "c2", reason: "test") }
        }
        let c1 = try await FNNC1Service.Node(dataDirectory: nil, batchSize: 1, order: .lowerBound)
        let c2 = try await FNNC2Service.Node(dataDirectory: nil)
        let sei = try await SEIService.Node(dataDirectory: nil)
        let node = try await TrustMedStorageNodeService.openNode(dataDirectory: nil)
        let master = try await TrustMedEdgeMasterService.Deployment(
            dataDirectory: nil, nodeList: TrustMedNodeList(threshold: 2, token: "t", nodes: ["http://127.0.0.1:1", "http://127.0.0.1:2"]),
            nodeTimeout: .seconds(1), sharing: try TrustMedDefaults.sharingScheme(signingKey: TrustMedDefaults.newManifestSigningKey()),
            evaluatorFactory: TrustMedDefaults.evaluatorFactory)
        return [
            (.fnnC1, FNNC1Service.router(node: c1, peer: NoPeer(), tokens: tokens)),
            (.fnnC2, FNNC2Service.router(node: c2, tokens: tokens)),
            (.sei, SEIService.router(node: sei, tokens: tokens)),
            (.storageNode, TrustMedStorageNodeService.router(node: node, tokens: tokens)),
            (.edgeMaster, TrustMedEdgeMasterService.router(deployment: master, tokens: tokens)),
        ]
    }

    @Test("every role refuses every caller its routes do not list (403), and callers without a token (401)")
    func rolesOutsideTheTableAreRefused() async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: ServiceRole.allCases)
        for (role, router) in try await Self.routers(tokens: tokens) {
            try await withLiveServer(router) { url in
                for route in Routes.served(by: role) {
                    let parameters = route.parameterNames.map { _ in String(repeating: "0", count: 32) }
                    for caller in ServiceRole.allCases where !route.permits(caller) {
                        let client = ServiceClient(baseURL: url, token: byRole[caller]!, timeout: .seconds(30))
                        do {
                            _ = try await client.call(route, parameters: parameters, body: route.request == .none ? [] : [1, 2, 3])
                            Issue.record("\(route) accepted role \(caller.rawValue)")
                        } catch {
                            let expected = ServiceError.forbidden(role: caller.rawValue,
                                                                  needed: route.callers.map(\.rawValue).sorted())
                            #expect(error as? ServiceError == expected.asHTTP, "\(route) as \(caller.rawValue)")
                        }
                    }
                    guard route.access != .open else { continue }
                    let stranger = ServiceClient(baseURL: url, token: "ms_unknown", timeout: .seconds(30))
                    await #expect(throws: ServiceError.http(status: 401, message: "missing or unknown bearer token")) {
                        _ = try await stranger.call(route, parameters: parameters, body: route.request == .none ? [] : [1])
                    }
                }
                // A permitted caller gets through to the handler (here: the status routes answer JSON).
                if let status = Routes.served(by: role).first(where: { $0.response == .json }) {
                    let caller = status.callers.sorted { $0.rawValue < $1.rawValue }[0]
                    let answer = try await ServiceClient(baseURL: url, token: byRole[caller]!).call(status)
                    #expect(try JSONSerialization.jsonObject(with: Data(answer)) is [String: Any])
                }
            }
        }
    }

    @Test func bodiesAboveARoutesLimitAre413BeforeTheyAreRead() async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: [.user])
        let router = SEIService.router(node: try await SEIService.Node(dataDirectory: nil), tokens: tokens)
        try await withLiveServer(router) { url in
            // The client refuses to send it at all...
            let client = ServiceClient(baseURL: url, token: byRole[.user]!)
            let oversized = [UInt8](repeating: 0, count: Routes.SEI.search.maxRequestBytes + 1)
            await #expect {
                _ = try await client.call(Routes.SEI.search, body: oversized)
            } throws: { error in
                if case .invalidRequest = error as? ServiceError { return true }
                return false
            }
            // ...and the server answers 413 to a client that does.
            var request = HTTPClientRequest(url: url + Routes.SEI.search.path)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(byRole[.user]!)")
            request.body = .bytes(ByteBuffer(bytes: oversized))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            #expect(response.status.code == 413)
        }
    }
}

extension ServiceError {
    /// The error a client sees when a server ends a request with this error.
    var asHTTP: ServiceError { .http(status: Int(status.code), message: description) }
}

/// How ``ServiceClient`` turns every kind of failure into a ``ServiceError``.
@Suite struct ClientErrorMappingTests {
    static let slow = Route("test.slow", server: .sei, .get, "/test/slow", request: .none, response: .text,
                            access: .roles([.owner]))
    static let big = Route("test.big", server: .sei, .get, "/test/big", request: .none, response: .binary,
                           access: .roles([.owner]))
    static let fail = Route("test.fail", server: .sei, .post, "/test/fail", request: .binary, response: .binary,
                            access: .roles([.owner]), maxRequestBytes: 16)
    static let echo = Route("test.echo", server: .sei, .post, "/test/echo/:tag", request: .binary, response: .binary,
                            access: .roles([.owner]), maxRequestBytes: 1 << 20)
    static let mislabelled = Route("test.json", server: .sei, .get, "/test/json", request: .none, response: .json,
                                   access: .roles([.owner]))

    func withServer(_ body: (String, [ServiceRole: String]) async throws -> Void) async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: [.owner, .user])
        let router = ServiceRunner.makeRouter(tokens: tokens, role: .sei)
        router.on(Self.slow) { _ in
            try await Task.sleep(for: .seconds(3))
            return .text("late")
        }
        router.on(Self.big) { _ in .bytes([UInt8](repeating: 7, count: 4096)) }
        router.on(Self.fail) { _ in throw SampleEngineError() }
        router.on(Self.echo) { call in .bytes(Array(try call.parameter("tag").utf8) + call.body) }
        // Answers text where the table promises JSON.
        router.get(RouterPath(Self.mislabelled.path)) { _, _ in Response.plainText("{}", status: .ok) }
        try await withLiveServer(router) { url in try await body(url, byRole) }
    }

    @Test func successAndEveryFailureIsTyped() async throws {
        try await withServer { url, byRole in
            let owner = ServiceClient(baseURL: url, token: byRole[.owner]!)
            let echoed = try await owner.call(Self.echo, "a-1", body: [1, 2, 3])
            #expect(echoed == Array("a-1".utf8) + [1, 2, 3])
            // A reply larger than one piece (RouteReply.pieceBytes) arrives whole and in order.
            let large = (0..<(3 * RouteReply.pieceBytes + 17)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
            #expect(try await owner.call(Self.echo, "big", body: large) == Array("big".utf8) + large)
            #expect(await owner.isHealthy(timeout: .seconds(30)))
            await #expect(throws: ServiceError.http(status: 400, message: "record 7 has 3 coordinates, expected 4")) {
                _ = try await owner.call(Self.fail, body: [1])
            }
            let user = ServiceClient(baseURL: url, token: byRole[.user]!)
            await #expect(throws: ServiceError.http(status: 403, message: "role user may not do this (needs owner)")) {
                _ = try await user.call(Self.echo, "x", body: [1])
            }
            await #expect(throws: ServiceError.timeout(url: url + Self.slow.path)) {
                _ = try await owner.call(Self.slow, timeout: .milliseconds(300))
            }
            let small = ServiceClient(baseURL: url, token: byRole[.owner]!,
                                      configuration: ClientConfiguration(maxResponseBytes: 1024))
            await #expect {
                _ = try await small.call(Self.big)
            } throws: { error in
                guard case let .badResponse(reason) = error as? ServiceError else { return false }
                return reason.contains("exceeds")
            }
            await #expect {
                _ = try await owner.call(Self.mislabelled)
            } throws: { error in
                guard case let .badResponse(reason) = error as? ServiceError else { return false }
                return reason.contains("expected application/json")
            }
            // Malformed calls never leave the client.
            await #expect(throws: ServiceError.self) { _ = try await owner.call(Self.echo, "../x", body: []) }
            await #expect(throws: ServiceError.self) { _ = try await owner.call(Self.echo, body: []) }
            await #expect(throws: ServiceError.self) { _ = try await owner.call(Self.slow, body: [1]) }
        }
    }

    @Test func unreachablePeerIsATypedError() async throws {
        // Bind and release a port so that nothing listens on it.
        var closedURL = ""
        try await withServer { url, _ in closedURL = url }
        let client = ServiceClient(baseURL: closedURL, token: "t", timeout: .seconds(60))  // refused at once; the long limit only keeps a starved event loop (tests in parallel on 2 cores) from turning the refusal into a timeout
        await #expect {
            _ = try await client.call(Routes.health)
        } throws: { error in
            if case .unreachable = error as? ServiceError { return true }
            return false
        }
        #expect(await !client.isHealthy())
    }
}
