import Foundation
import MedSearchCore
import MedSearchDeployment
import MedSearchServer
import MedSearchTransport
import Synchronization
import Testing
import _MedSearchTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A role stopped while requests are in flight (SIGTERM) or killed (SIGKILL) loses nothing it acknowledged: real
/// `medsearch serve storage-node` processes over mutual TLS, restarted on the same data directory.
@Suite("Graceful shutdown and rotation on real processes", .serialized, .needsMedsearchExecutable)
struct ShutdownTests {
    struct Node {
        let role: RunningRole
        let tokens: IssuedTokens
        let directory: URL
        let security: TransportSecurity

        var master: ServiceClient {
            get throws {
                role.client(token: try tokens.token(.edgeMaster), role: .edgeMaster,
                            configuration: .standard.timeout(.seconds(30)))
            }
        }
    }

    func start(_ name: String) async throws -> Node {
        let executable = try #require(TestData.medsearchExecutable)
        let directory = try TestData.scratchDirectory("shutdown")
        let tokens = try IssuedTokens.issue([.edgeMaster, .admin], writingTo: directory.appendingPathComponent("tokens.json"))
        let security = try TransportSecurity.localTLS(in: directory)
        let launcher = RoleLauncher(mode: .childProcess(executable: executable), security: security)
        let role = try await launcher.start(RoleInstance(role: .storageNode, name: name,
                                                         dataDirectory: directory.appendingPathComponent(name).path,
                                                         tokenFile: tokens.file.path, logLevel: "info"))
        return Node(role: role, tokens: tokens, directory: directory, security: security)
    }

    /// Puts shares from 4 concurrent writers until `stop` runs; returns the ids the node acknowledged.
    func upload(to node: Node, stop: @escaping @Sendable () async -> Void) async throws -> Set<String> {
        let acknowledged = AcknowledgedIDs()
        let client = try node.master
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for index in 0..<400 {
                        let id = String(format: "%02x%04x", writer, index) + String(repeating: "a", count: 26)
                        do {
                            _ = try await client.call(Routes.StorageNode.putShare, id, body: Array(repeating: UInt8(index & 0xff), count: 2048))
                            acknowledged.ids.withLock { _ = $0.insert(id) }
                        } catch { return }
                    }
                }
            }
            group.addTask {
                // Let the writers get going, then stop the node under them.
                let clock = ContinuousClock(), deadline = clock.now + .seconds(60)
                while acknowledged.ids.withLock({ $0.count }) < 60, clock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                await stop()
            }
            try await group.waitForAll()
        }
        return acknowledged.ids.withLock { $0 }
    }

    func verify(_ node: Node, holds ids: Set<String>) async throws {
        let client = try node.master
        for id in ids.sorted() {
            let bytes = try await client.call(Routes.StorageNode.getShare, id)
            #expect(bytes.count == 2048, "share \(id) lost")
        }
    }

    /// Starts node `name`, uploads to it until `interrupt` ends its process, restarts it on the same data directory
    /// and expects every share it acknowledged; returns its log file's text as the interruption left it.
    func interruptedUpload(_ name: String,
                           interrupt: @escaping @Sendable (RunningRole) async -> Void) async throws -> String {
        let node = try await start(name)
        defer { try? FileManager.default.removeItem(at: node.directory) }
        let logFile = try #require(node.role.logFile)
        let acknowledged = try await upload(to: node) { await interrupt(node.role) }
        #expect(acknowledged.count >= 60)
        let log = try String(contentsOf: logFile, encoding: .utf8)
        try await node.role.restart()
        try await verify(node, holds: acknowledged)
        await node.role.stop()
        return log
    }

    @Test func sigtermFinishesInFlightRequestsAndKeepsEverythingAcknowledged() async throws {
        let log = try await interruptedUpload("term0") { await $0.stop(grace: .seconds(20)) }
        // The log says it stopped by itself (SIGTERM honoured, not SIGKILLed after the grace period).
        #expect(log.contains("\"message\":\"stopped\""))
    }

    @Test func sigkillLosesNothingAcknowledged() async throws {
        _ = try await interruptedUpload("kill0") { await $0.kill() }
    }

    @Test func sighupReloadsTheDenyListAndTheCertificateWithoutDroppingTheRole() async throws {
        let node = try await start("hup0")
        defer { try? FileManager.default.removeItem(at: node.directory) }
        let pki = try #require(node.security.pki)
        let pid = try #require(node.role.pid)
        let client = try node.master
        _ = try await client.call(Routes.StorageNode.putShare, String(repeating: "b", count: 32), body: [1])
        // An administrator's connection, open before the reload, keeps working after it.
        let admin = node.role.client(token: try node.tokens.token(.admin), role: .admin)
        #expect(try await admin.call(Routes.StorageNode.usage, as: StorageNodeUsage.self).shares == 1)
        // Renew the node's certificate and revoke the master's client certificate, then SIGHUP.
        let served = try TLSCredentials(files: try #require(node.role.instance.tls)).identity.serial
        _ = try pki.files(role: .storageNode, name: "hup0", renew: true)
        let masterCertificate = try pki.clientCredentials(.edgeMaster).identity
        try RevocationList.append(serial: masterCertificate.serial, comment: "test",
                                  to: pki.directory.appendingPathComponent(DeploymentCA.FileName.revoked))
        kill(pid, SIGHUP)
        let log = try #require(node.role.logFile)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline,
              (try? String(contentsOf: log, encoding: .utf8))?.contains("TLS credentials reloaded") != true {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(node.role.isRunning && node.role.pid == pid)
        #expect(try String(contentsOf: log, encoding: .utf8).contains("TLS credentials reloaded"))
        #expect(try TLSCredentials(files: try #require(node.role.instance.tls)).identity.serial != served)
        // The revoked certificate is refused from then on, on the open connection too.
        await #expect {
            _ = try await client.call(Routes.StorageNode.getShare, String(repeating: "b", count: 32))
        } throws: { error in
            switch error as? ServiceError {
            case let .http(status, message)?: status == 403 && message.contains("revoked")
            case .tls?: true
            default: false
            }
        }
        // The administrator's certificate is not revoked: its connection still works.
        #expect(try await admin.call(Routes.StorageNode.usage, as: StorageNodeUsage.self).shares == 1)
        await node.role.stop()
    }
}

/// The share ids a node acknowledged, shared by the writer tasks.
private final class AcknowledgedIDs: Sendable {
    let ids = Mutex<Set<String>>([])
}
