import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import MedSearchServer
import MedSearchTransport
import NIOCore
import NIOSSL
import Synchronization
import Testing
import _MedSearchTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Mutual TLS between a role and its callers, on a real loopback socket: every refusal has a clear reason on both
/// sides (the client's error, the server's refused-handshake record), and the route table decides which
/// certificate roles may call what.
@Suite struct MutualTLSTests {
    /// A route only the edge master may call (as a storage node's routes are).
    static let masterOnly = Route("test.master-only", server: .storageNode, .get, "/test/master-only", request: .none,
                                  response: .text, access: .roles([.edgeMaster]))

    /// A route of the edge master with a 16-byte body limit.
    static let small = Route("test.small", server: .storageNode, .post, "/test/small", request: .binary,
                             response: .text, access: .roles([.edgeMaster]), maxRequestBytes: 16)

    /// A deployment CA, a second (foreign) CA, the server's credentials and a way to issue client credentials.
    struct World {
        let directory: URL
        let ca: DeploymentCA
        let foreign: DeploymentCA
        let server: TLSCredentials
        let tokens: AccessTokens
        let byRole: [ServiceRole: String]

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("mtls-\(UUID().uuidString)")
            ca = try DeploymentCA.initialize(in: directory.appendingPathComponent("pki"), name: "test")
            foreign = try DeploymentCA.initialize(in: directory.appendingPathComponent("foreign"), name: "foreign")
            _ = try ca.issue(role: .storageNode, name: "node0", into: directory.appendingPathComponent("pki"))
            server = try TLSCredentials(files: .issued("node0", in: directory.appendingPathComponent("pki")))
            (tokens, byRole) = AccessTokens.issue(roles: [.owner, .edgeMaster, .admin])
        }

        var pki: URL { directory.appendingPathComponent("pki") }

        /// Credentials of a client with a certificate of `role` from `ca` (default: the deployment's).
        func client(_ role: ServiceRole, name: String, from issuer: DeploymentCA? = nil, expired: Bool = false)
            throws -> TLSCredentials {
            let folder = issuer == nil ? pki : directory.appendingPathComponent("foreign")
            _ = try (issuer ?? ca).issue(role: role, name: name, days: 1, into: folder,
                                         notBefore: expired ? Date().addingTimeInterval(-10 * 86400) : nil)
            // Client credentials always trust the deployment's CA (only their own certificate differs).
            var files = TLSFiles.issued(name, in: folder)
            files.ca = pki.appendingPathComponent(DeploymentCA.FileName.certificate).path
            files.revoked = pki.appendingPathComponent(DeploymentCA.FileName.revoked).path
            return try Self.loadSkippingOwnCheck(files)
        }

        /// Loads client credentials even when their own certificate would not pass (foreign, expired): the
        /// server must refuse them, so the client side must be able to present them.
        static func loadSkippingOwnCheck(_ files: TLSFiles) throws -> TLSCredentials {
            try TLSCredentials(files: files, checkingOwnCertificate: false)
        }
    }

    /// Runs a storage-node-like router over mutual TLS while `body` talks to it; returns the refusals recorded.
    func withTLSServer(_ world: World, idleTimeout: Duration = ConnectionLimits.idleTimeout,
                       _ body: (String) async throws -> Void) async throws -> [String] {
        let refusals = Mutex<[String]>([])
        let events = TLSEvents { _, reason in refusals.withLock { $0.append(reason) } }
        let router = ServiceRunner.makeRouter(tokens: world.tokens, role: .storageNode)
        router.on(Self.masterOnly) { _ in .text("hello master") }
        router.on(Routes.StorageNode.usage) { _ in try .json(StorageNodeUsage(shares: 0, bytes: 0)) }
        router.on(Self.small) { call in .text("\(call.body.count) bytes") }
        var configuration = ServiceConfiguration(dataDirectory: world.directory, tokens: world.tokens, tls: world.server,
                                                 tlsEvents: events)
        configuration.idleTimeout = idleTimeout
        try await withLiveServer(router, configuration: configuration) { url in
            #expect(url.hasPrefix("https://127.0.0.1:"))
            try await body(url)
        }
        return refusals.withLock { $0 }
    }

    func client(_ url: String, _ token: String?, _ tls: TLSCredentials) -> ServiceClient {
        ServiceClient(baseURL: url, token: token ?? "", configuration: ClientConfiguration(timeout: .seconds(20)).tls(tls))
    }

    @Test func theRightCertificateAndTokenGetThrough() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let master = try world.client(.edgeMaster, name: "master")
        let admin = try world.client(.admin, name: "admin")
        let refusals = try await withTLSServer(world) { url in
            #expect(try await client(url, world.byRole[.edgeMaster], master).call(Self.masterOnly) == Array("hello master".utf8))
            // A hospital-side certificate reaches the routes a hospital-side role may call; the token decides.
            _ = try await client(url, world.byRole[.admin], admin).call(Routes.StorageNode.usage, as: StorageNodeUsage.self)
            #expect(await client(url, nil, admin).isHealthy(timeout: .seconds(30)))
        }
        #expect(refusals.isEmpty)
    }

    @Test func theHardeningOfPlainHTTPHoldsInsideTLS() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let master = try world.client(.edgeMaster, name: "master")
        _ = try await withTLSServer(world, idleTimeout: .milliseconds(500)) { url in
            let port = try #require(loopbackPort(of: url))
            // A peer that connects and never completes a handshake (silent, or half a ClientHello) is closed.
            let silent = try RawHTTPConnection(port: port, readTimeout: 10)
            let halfHello = try RawHTTPConnection(port: port, readTimeout: 10)
            try halfHello.send("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}")
            #expect(await silent.receive().closed)
            #expect(await halfHello.receive().closed)
            // The route's body limit: 413 inside TLS; a body within it gets through.
            let caller = client(url, world.byRole[.edgeMaster], master)
            #expect(try await caller.call(Self.small, body: Array(repeating: 7, count: 16)) == Array("16 bytes".utf8))
            // (ServiceClient refuses to send it: AsyncHTTPClient with the same credentials sends it anyway.)
            let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                  configuration: .init(tlsConfiguration: master.clientConfiguration))
            var request = HTTPClientRequest(url: url + Self.small.path)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(world.byRole[.edgeMaster] ?? "")")
            request.body = .bytes(ByteBuffer(bytes: Array(repeating: 7, count: 4096)))
            let status = try await http.execute(request, timeout: .seconds(20)).status.code
            try await http.shutdown()
            #expect(status == 413)
        }
    }

    @Test func aCertificateOfAnotherRoleIsRefusedOnARestrictedRoute() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let node = try world.client(.storageNode, name: "node9")
        let admin = try world.client(.admin, name: "admin")
        _ = try await withTLSServer(world) { url in
            // Even with the master's token: the certificate names a storage node.
            await #expect(throws: ServiceError.http(
                status: 403,
                message: "client certificate refused: a certificate of role storage-node may not call test.master-only (callers: edge-master)")) {
                _ = try await client(url, world.byRole[.edgeMaster], node).call(Self.masterOnly)
            }
            // A hospital-side certificate cannot stand in for a server role either.
            await #expect(throws: ServiceError.self) {
                _ = try await client(url, world.byRole[.edgeMaster], admin).call(Self.masterOnly)
            }
        }
    }

    @Test func aForeignCAAnExpiredCertificateAndNoCertificateAreRefusedAtTheHandshake() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let stranger = try world.client(.edgeMaster, name: "stranger", from: world.foreign)
        let expired = try world.client(.edgeMaster, name: "old-master", expired: true)
        let refusals = try await withTLSServer(world) { url in
            for credentials in [stranger, expired] {
                await #expect {
                    _ = try await client(url, world.byRole[.edgeMaster], credentials).call(Self.masterOnly)
                } throws: { error in
                    guard case let .tls(_, reason) = error as? ServiceError else { return false }
                    return reason.contains("refused this client's certificate") || reason.contains("does not trust")
                }
            }
            // No client certificate at all: a TLS client that trusts the CA but presents nothing.
            var bare = TLSConfiguration.makeClientConfiguration()
            bare.minimumTLSVersion = .tlsv13
            bare.trustRoots = world.server.clientConfiguration.trustRoots
            let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                  configuration: .init(tlsConfiguration: bare))
            await #expect(throws: (any Error).self) {
                _ = try await http.execute(HTTPClientRequest(url: url + "/health"), timeout: .seconds(10))
            }
            try await http.shutdown()
            // Plain HTTP to the TLS port.
            let plain = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
            let plainURL = url.replacingOccurrences(of: "https://", with: "http://")
            await #expect(throws: (any Error).self) {
                _ = try await plain.execute(HTTPClientRequest(url: plainURL + "/health"), timeout: .seconds(10))
            }
            try await plain.shutdown()
        }
        #expect(refusals.contains { $0.contains("not issued by this deployment's CA") })
        #expect(refusals.contains { $0.contains("expired on") && $0.contains("old-master") })
        #expect(refusals.contains { $0.contains("presented no certificate") })
        #expect(refusals.count >= 4)
    }

    @Test func aClientRefusesAServerOfAnotherCA() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        // A client of the foreign deployment (it trusts only the foreign CA).
        let folder = world.directory.appendingPathComponent("foreign")
        _ = try world.foreign.issue(role: .edgeMaster, name: "their-master", into: folder)
        let theirs = try TLSCredentials(files: .issued("their-master", in: folder))
        _ = try await withTLSServer(world) { url in
            await #expect {
                _ = try await client(url, world.byRole[.edgeMaster], theirs).call(Self.masterOnly)
            } throws: { error in
                guard case let .tls(_, reason) = error as? ServiceError else { return false }
                return reason.contains("server's certificate is not valid")
            }
        }
    }

    @Test func revocationAndReloadReachOpenConnections() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let master = try world.client(.edgeMaster, name: "master")
        let servedBefore = world.server.identity.serial
        let refusals = try await withTLSServer(world) { url in
            let caller = client(url, world.byRole[.edgeMaster], master)
            _ = try await caller.call(Self.masterOnly)
            // The server's own certificate is renewed and the caller's revoked; SIGHUP does this reload.
            _ = try world.ca.issue(role: .storageNode, name: "node0", into: world.pki)
            try RevocationList.append(serial: master.identity.serial, comment: "test", to: world.pki.appendingPathComponent("revoked.txt"))
            try world.server.reload()
            #expect(world.server.identity.serial != servedBefore)
            #expect(world.server.generation == 1)
            // The connection opened before the reload is still served, and now refused request by request.
            await #expect {
                _ = try await caller.call(Self.masterOnly)
            } throws: { error in
                guard case let .http(status, message) = error as? ServiceError else { return false }
                return status == 403 && message.contains("revoked")
            }
            // A new connection (fresh credentials from the same files: a new connection pool) is refused at the
            // handshake.
            let fresh = try World.loadSkippingOwnCheck(master.files)
            await #expect {
                _ = try await client(url, world.byRole[.edgeMaster], fresh).call(Self.masterOnly)
            } throws: { error in
                if case .tls = error as? ServiceError { return true }
                return false
            }
        }
        #expect(refusals.contains { $0.contains("revoked") && $0.contains("master") })
    }

    @Test func aWrongFileIsRefusedAtStartWithItsPath() throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        // A key readable by others.
        let key = world.pki.appendingPathComponent("node0.key")
        chmod(key.path, 0o644)
        #expect {
            _ = try TLSCredentials(files: .issued("node0", in: world.pki))
        } throws: { error in
            "\(error)".contains("node0.key") && "\(error)".contains("chmod 600")
        }
        chmod(key.path, 0o600)
        // A certificate with another certificate's key.
        _ = try world.ca.issue(role: .storageNode, name: "node1", into: world.pki)
        var mixed = TLSFiles.issued("node0", in: world.pki)
        mixed.key = world.pki.appendingPathComponent("node1.key").path
        #expect(throws: TLSFailure.invalidFile(path: mixed.key, reason: "this key does not belong to node0.pem")) {
            _ = try TLSCredentials(files: mixed)
        }
        // A certificate from another CA.
        var foreign = TLSFiles.issued("node1", in: world.pki)
        foreign.ca = world.directory.appendingPathComponent("foreign/ca.pem").path
        #expect {
            _ = try TLSCredentials(files: foreign)
        } throws: { error in "\(error)".contains("not issued by this deployment's CA") }
    }
}
