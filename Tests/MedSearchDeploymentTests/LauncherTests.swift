import Foundation
import MedSearchCore
@testable import MedSearchDeployment
import MedSearchServer
import MedSearchTransport
import Testing
import _MedSearchTestSupport

/// A storage node's description in a fresh directory, with tokens for the master and an admin, and TLS from a
/// PKI in that directory (the launcher issues the node's certificate).
private func storageNode(_ name: String = "node0") throws -> (RoleInstance, IssuedTokens, URL, TransportSecurity) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("launch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let tokens = try IssuedTokens.issue([.edgeMaster, .admin], writingTo: directory.appendingPathComponent("tokens.json"))
    let instance = RoleInstance(role: .storageNode, name: name, dataDirectory: directory.appendingPathComponent(name).path,
                                tokenFile: tokens.file.path)
    return (instance, tokens, directory, try .localTLS(in: directory))
}

/// Stores a share through `role` (as the edge master, with its certificate), reads it back, and returns the
/// node's share count.
private func roundTrip(_ role: RunningRole, tokens: IssuedTokens, shareID: String, bytes: [UInt8]) async throws -> Int {
    let master = role.client(token: try tokens.token(.edgeMaster), role: .edgeMaster)
    _ = try await master.call(Routes.StorageNode.putShare, shareID, body: bytes)
    let stored = try await master.call(Routes.StorageNode.getShare, shareID)
    #expect(stored == bytes)
    return try await role.client(token: try tokens.token(.admin)).call(Routes.StorageNode.usage, as: StorageNodeUsage.self).shares
}

@Suite struct RoleInstanceTests {
    @Test func decodesWithDefaultsAndRoundTrips() throws {
        let json = #"{"role": "fnn-c1", "dataDirectory": "c1", "tokenFile": "t.json", "port": 9001,"#
            + #" "engine": {"batchSize": 4}, "peers": {"c2": "https://127.0.0.1:9002"},"#
            + #" "tls": {"ca": "pki/ca.pem", "certificate": "pki/c1.pem", "key": "pki/c1.key"}}"#
        let instance = try JSONDecoder().decode(RoleInstance.self, from: Data(json.utf8))
        #expect(instance == RoleInstance(role: .fnnC1, name: "fnn-c1", port: 9001, dataDirectory: "c1", tokenFile: "t.json",
                                         engine: .init(batchSize: 4), peers: .init(c2: "https://127.0.0.1:9002"),
                                         tls: TLSFiles(ca: "pki/ca.pem", certificate: "pki/c1.pem", key: "pki/c1.key")))
        #expect(instance.url == "https://127.0.0.1:9001")
        #expect(instance.tls?.revokedPath == "pki/revoked.txt")
        try instance.validate()
        let again = try JSONDecoder().decode(RoleInstance.self, from: try JSONEncoder().encode(instance))
        #expect(again == instance)
    }

    @Test func validationNamesTheWrongField() {
        let base = RoleInstance(role: .storageNode, name: "n", dataDirectory: "d", tokenFile: "t", insecure: true)
        var cases: [(RoleInstance, String)] = []
        var plain = base; plain.insecure = false; cases.append((plain, "TLS files"))
        var exposed = base; exposed.host = "0.0.0.0"; cases.append((exposed, "non-loopback"))
        var both = base; both.tls = TLSFiles(ca: "a", certificate: "b", key: "c"); cases.append((both, "exclude"))
        var bad = base; bad.port = 70000; cases.append((bad, "port"))
        bad = base; bad.name = "a b"; cases.append((bad, "name"))
        bad = base; bad.logLevel = "loud"; cases.append((bad, "log level"))
        bad = base; bad.engine.batchSize = 2; cases.append((bad, "batch size"))
        bad = base; bad.role = .fnnC1; cases.append((bad, "C2"))
        bad = base; bad.role = .edgeMaster; bad.engine.nodeTimeoutMilliseconds = 5; cases.append((bad, "node timeout"))
        for (instance, word) in cases {
            #expect {
                try instance.validate()
            } throws: { error in
                guard case let .configuration(reason) = error as? ServiceError else { return false }
                return reason.contains(word)
            }
        }
    }

    @Test func commandLinesCarryEveryField() {
        let c1 = RoleInstance(role: .fnnC1, name: "c1", host: "::1", port: 9001, dataDirectory: "/d", tokenFile: "/t",
                              logLevel: "info", engine: .init(batchSize: 8, scanOrder: "sequential"),
                              peers: .init(c2: "http://[::1]:9002", peerTokenFile: "/p"), insecure: true)
        #expect(c1.commandLine == ["serve", "fnn-c1", "--host", "::1", "--port", "9001", "--data-dir", "/d",
                                   "--tokens", "/t", "--log-level", "info", "--name", "c1", "--c2", "http://[::1]:9002",
                                   "--peer-tokens", "/p", "--batch-size", "8", "--order", "sequential", "--insecure"])
        #expect(c1.url == "http://[::1]:9001")
        let master = RoleInstance(role: .edgeMaster, name: "m", dataDirectory: "/m", tokenFile: "/t",
                                  engine: .init(nodeTimeoutMilliseconds: 500), peers: .init(nodeList: "/n.json"),
                                  tls: TLSFiles(ca: "/ca.pem", certificate: "/m.pem", key: "/m.key", revoked: "/deny"))
        #expect(master.commandLine.suffix(12) == ["--nodes", "/n.json", "--node-timeout-ms", "500", "--tls-ca", "/ca.pem",
                                                  "--tls-cert", "/m.pem", "--tls-key", "/m.key", "--tls-revoked", "/deny"])
    }
}

@Suite struct LauncherTests {
    @Test func inProcessStorageNodeStopsKillsAndRestartsAtTheSamePort() async throws {
        let (instance, tokens, directory, security) = try storageNode()
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = try await RoleLauncher(mode: .inProcess, security: security).start(instance)
        #expect(node.url.hasPrefix("https://"))
        let port = try #require(node.port)
        #expect(node.pid == nil && node.isRunning)
        #expect(try await roundTrip(node, tokens: tokens, shareID: String(repeating: "a", count: 32), bytes: [1, 2]) == 1)
        await node.kill()
        #expect(!node.isRunning)
        #expect(await !node.client(token: "").isHealthy())
        do { try await node.restart() } catch {
            PortHolders.report(port)
            throw error
        }
        #expect(node.port == port)
        // The data directory survived: the first share is still there.
        #expect(try await roundTrip(node, tokens: tokens, shareID: String(repeating: "b", count: 32), bytes: [3]) == 2)
        await node.stop()
        #expect(await !node.client(token: "").isHealthy())
    }

    @Test(.needsMedsearchExecutable)
    func childStorageNodeStopsKillsAndRestartsAtTheSamePort() async throws {
        let (instance, tokens, directory, security) = try storageNode("child0")
        defer { try? FileManager.default.removeItem(at: directory) }
        let launcher = RoleLauncher(mode: .childProcess(executable: try #require(TestData.medsearchExecutable)),
                                    security: security)
        let node = try await launcher.start(instance)
        let port = try #require(node.port)
        let firstPID = try #require(node.pid)
        #expect(node.logFile?.lastPathComponent == "child0.log")
        #expect(try await roundTrip(node, tokens: tokens, shareID: String(repeating: "c", count: 32), bytes: [9]) == 1)
        // SIGKILL, as a crash: the port is free again and the data kept.
        await node.kill()
        #expect(!node.isRunning)
        try await node.restart()
        #expect(node.port == port && node.pid != firstPID)
        #expect(try await roundTrip(node, tokens: tokens, shareID: String(repeating: "d", count: 32), bytes: [8]) == 2)
        // A graceful stop, then a replacement with an empty directory at the same port.
        await node.stop()
        var replacement = instance
        replacement.name = "child0-new"
        replacement.dataDirectory = directory.appendingPathComponent("child0-new").path
        try await node.restart(with: replacement)
        #expect(node.port == port)
        #expect(try await roundTrip(node, tokens: tokens, shareID: String(repeating: "e", count: 32), bytes: [7]) == 1)
        await node.stop()
        #expect(!node.isRunning)
    }

    @Test func aRoleThatCannotStartIsALaunchFailureWithItsReason() async throws {
        let (instance, _, directory, _) = try storageNode()
        defer { try? FileManager.default.removeItem(at: directory) }
        var broken = instance
        broken.insecure = true
        broken.tokenFile = directory.appendingPathComponent("missing.json").path
        await #expect {
            _ = try await RoleLauncher(mode: .inProcess).start(broken)
        } throws: { error in
            guard case let .launchFailed(_, reason) = error as? ServiceError else { return false }
            return reason.contains("missing.json")
        }
        if let executable = TestData.medsearchExecutable {
            await #expect {
                _ = try await RoleLauncher(mode: .childProcess(executable: executable)).start(broken)
            } throws: { error in
                guard case let .launchFailed(_, reason) = error as? ServiceError else { return false }
                return reason.contains("token file")
            }
        }
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
