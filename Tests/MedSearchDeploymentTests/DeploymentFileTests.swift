import Foundation
import MedSearchCore
import MedSearchDeployment
import MedSearchServer
import MedSearchTransport
import MedSearchTrustMed
import Testing
import _MedSearchTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Free loopback TCP ports, for deployment files that need fixed ports.
func freePorts(_ count: Int) throws -> [Int] { try LoopbackPorts.free(count) }

@Suite struct DeploymentFileTests {
    static let example = """
        name: hospital-a
        pki: pki
        tokens: tokens.json
        trustmed: {threshold: 2, nodeTimeoutMilliseconds: 1500}
        fnn: {batchSize: 4}
        roles:
          - {role: storage-node, name: node0, host: 0.0.0.0, address: edge0.example.org, port: 9100, dataDirectory: data/node0}
          - {role: storage-node, name: node1, port: 9101, dataDirectory: /srv/node1}
          - {role: edge-master, name: master, port: 9000, dataDirectory: data/master, database: "postgres://ms@db:5432/medsearch"}
          - {role: fnn-c2, name: c2, port: 9002, dataDirectory: data/c2}
          - {role: fnn-c1, name: c1, port: 9001, dataDirectory: data/c1, logLevel: info}
          - {role: search-worker, name: worker0, port: 9200, dataDirectory: data/w0, database: "postgres://ms@db:5432/medsearch"}
        """

    func write(_ text: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("deploy.yaml")
        try Data(text.utf8).write(to: file)
        return file
    }

    @Test func aFileResolvesToCompleteRoleDescriptions() throws {
        let file = try write(Self.example)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let base = file.deletingLastPathComponent().standardizedFileURL.path
        let deployment = try DeploymentFile.load(file)
        #expect(deployment.instances.map(\.name) == ["node0", "node1", "master", "c2", "c1", "worker0"])
        #expect(deployment.searchWorkerURLs == ["https://127.0.0.1:9200"])
        #expect(try deployment.instance(named: "master").peers.searchWorkers == base + "/data/master/deployment-workers.json")
        let node0 = try deployment.instance(named: "node0")
        #expect(node0.host == "0.0.0.0")
        #expect(node0.dataDirectory == base + "/data/node0")
        #expect(node0.tls == TLSFiles(ca: base + "/pki/ca.pem", certificate: base + "/pki/node0.pem", key: base + "/pki/node0.key"))
        #expect(try deployment.instance(named: "node1").dataDirectory == "/srv/node1")
        #expect(deployment.storageNodeURLs == ["https://edge0.example.org:9100", "https://127.0.0.1:9101"])
        let master = try deployment.instance(named: "master")
        #expect(master.engine.nodeTimeoutMilliseconds == 1500)
        #expect(master.database == "postgres://ms@db:5432/medsearch")
        #expect(master.peers.nodeList == base + "/data/master/deployment-nodes.json")
        let c1 = try deployment.instance(named: "c1")
        #expect(c1.peers.c2 == "https://127.0.0.1:9002")
        #expect(c1.engine.batchSize == 4)
        #expect(c1.logLevel == "info")
        #expect(c1.tokenFile == base + "/tokens.json")
        // The master's node list is written from the file (threshold m, the master's token for the nodes).
        let tokens = try IssuedTokens.issue([.edgeMaster, .owner], writingTo: file.deletingLastPathComponent().appendingPathComponent("tokens.json"))
        try deployment.prepare(master)
        let list = try TrustMedNodeList.load(from: URL(fileURLWithPath: master.peers.nodeList!))
        #expect(list == TrustMedNodeList(threshold: 2, token: try tokens.token(.edgeMaster), nodes: deployment.storageNodeURLs))
        #expect(throws: ServiceError.self) { _ = try deployment.instance(named: "node9") }
        // The YAML round-trips.
        let again = try write(try deployment.file.yaml())
        defer { try? FileManager.default.removeItem(at: again.deletingLastPathComponent()) }
        #expect(try DeploymentFile.load(again).file == deployment.file)
    }

    /// Each text is refused on loading with a reason containing its expected words.
    func expectRefusals(_ cases: [(String, String)]) throws {
        for (text, expected) in cases {
            let file = try write(text)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            #expect {
                _ = try DeploymentFile.load(file)
            } throws: { error in
                guard case let .configuration(reason) = error as? ServiceError else { return false }
                return reason.contains(expected)
            }
        }
    }

    static let withWeb = example + "\nweb: {name: web, host: 0.0.0.0, address: med.example.org, port: 8443, dataDirectory: data/web, maxFileMib: 16}\n"

    @Test func theWebApplicationIsAnEntryOfTheFile() throws {
        let file = try write(Self.withWeb)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let base = file.deletingLastPathComponent().standardizedFileURL.path
        let deployment = try DeploymentFile.load(file)
        let web = try #require(deployment.web)
        #expect(web.url == "https://med.example.org:8443")
        #expect(web.host == "0.0.0.0")
        #expect(web.engines == ["fnn", "trustmed"])  // the file has no SEI cloud
        #expect(web.maxFileMib == 16)
        #expect(web.dataDirectory.path == base + "/data/web")
        #expect(web.tls == TLSFiles(ca: base + "/pki/ca.pem", certificate: base + "/pki/web.pem", key: base + "/pki/web.key"))
        #expect(web.subjectAlternativeNames == ["med.example.org"])
        #expect(web.commandLine(config: file) == ["serve", "--config", file.path, "--name", "web"])
        // As a client of the engines' roles it reaches C1, C2 and the master at their addresses with its certificate.
        let credentials = try TLSCredentials(files: try LocalPKI.open(in: file.deletingLastPathComponent().appendingPathComponent("pki"))
            .files(role: .web, name: "web"))
        _ = try IssuedTokens.issue([.owner, .user], writingTo: file.deletingLastPathComponent().appendingPathComponent("tokens.json"))
        let clouds = try deployment.fnnClouds(credentials: credentials)
        #expect(clouds.c1.url == "https://127.0.0.1:9001" && clouds.c2.url == "https://127.0.0.1:9002")
        let cluster = try deployment.trustMedCluster(credentials: credentials, directory: file.deletingLastPathComponent())
        #expect(cluster.nodes.map(\.url) == deployment.storageNodeURLs)
        #expect(throws: ServiceError.self) { _ = try deployment.seiCloud(credentials: credentials) }
        #expect(throws: ServiceError.self) { _ = try deployment.fnnClouds(credentials: nil) }  // TLS needs its certificate
        let again = try write(try deployment.file.yaml())
        defer { try? FileManager.default.removeItem(at: again.deletingLastPathComponent()) }
        #expect(try DeploymentFile.load(again).file.web == deployment.file.web)
    }

    @Test func webEntryMistakesNameTheEntryAndField() throws {
        let cases: [(String, String)] = [
            (Self.withWeb.replacingOccurrences(of: "maxFileMib: 16", with: "engines: [sei]"), "web entry web: engines: sei needs a sei role"),
            (Self.withWeb.replacingOccurrences(of: "maxFileMib: 16", with: "engines: [fnn, fnn]"), "web entry web: engines: an engine is named twice"),
            (Self.withWeb.replacingOccurrences(of: "maxFileMib: 16", with: "engines: [pacs]"), "web entry web: engines: unknown engine pacs"),
            (Self.withWeb.replacingOccurrences(of: "maxFileMib: 16", with: "maxFileMib: 0"), "web entry web: maxFileMib: must be 1...1024"),
            (Self.withWeb.replacingOccurrences(of: "port: 8443", with: "port: 0"), "web entry web: port"),
            (Self.withWeb.replacingOccurrences(of: "name: web", with: "name: c1"), "web entry c1: name: is also a role's name"),
            (Self.withWeb.replacingOccurrences(of: "pki: pki", with: "insecure: true")
                .replacingOccurrences(of: "host: 0.0.0.0, address: edge0.example.org, ", with: ""), "web entry web: host"),
            (Self.withWeb.replacingOccurrences(of: "dataDirectory: data/web, ", with: ""), "missing web.dataDirectory"),
        ]
        try expectRefusals(cases)
    }

    @Test func mistakesAreNamed() throws {
        let cases: [(String, String)] = [
            (Self.example.replacingOccurrences(of: "pki: pki\n", with: ""), "pki"),
            (Self.example.replacingOccurrences(of: "threshold: 2", with: "threshold: 3"), "threshold must be 1...2"),
            (Self.example.replacingOccurrences(of: "name: node1", with: "name: node0"), "used twice"),
            (Self.example.replacingOccurrences(of: "port: 9101", with: "port: 0"), "fixed port"),
            (Self.example.replacingOccurrences(of: "pki: pki", with: "insecure: true"), "non-loopback"),
            (Self.example.replacingOccurrences(of: "tokens: tokens.json\n", with: ""), "missing tokens"),
            ("name: [", "not a valid deployment file"),
        ]
        try expectRefusals(cases)
    }
}

/// `cluster up` from a deployment file: a five-node TrustMedSearch deployment (m = 3) over mutual TLS, every role
/// its own process, whose queries rank as the plaintext computation does.
@Suite("Deployment file on real processes", .serialized, .needsMedsearchExecutable)
struct DeploymentClusterTests {
    @Test func clusterUpRunsAFiveNodeTrustMedDeploymentOverTLS() async throws {
        let executable = try #require(TestData.medsearchExecutable)
        try await withTemporaryDirectory("cluster-up") { directory in
            let ports = try freePorts(6)
            var yaml = "name: test\npki: pki\ntokens: tokens.json\ntrustmed: {threshold: 3, nodeTimeoutMilliseconds: 15000}\nroles:\n"
            for index in 0..<5 {
                yaml += "  - {role: storage-node, name: node\(index), port: \(ports[index]), dataDirectory: data/node\(index)}\n"
            }
            yaml += "  - {role: edge-master, name: master, port: \(ports[5]), dataDirectory: data/master}\n"
            let file = directory.appendingPathComponent("deploy.yaml")
            try Data(yaml.utf8).write(to: file)
            _ = try LocalPKI.open(in: directory.appendingPathComponent("pki"), name: "test")
            let tokens = try IssuedTokens.issue([.owner, .user, .admin, .edgeMaster], writingTo: directory.appendingPathComponent("tokens.json"))
            let deployment = try DeploymentFile.load(file)
            let cluster = try await DeploymentCluster.up(deployment, executable: executable)
            do {
                #expect(cluster.roles.count == 6)
                #expect(cluster.roles.allSatisfy { $0.url.hasPrefix("https://127.0.0.1:") })
                let statuses = await DeploymentCluster.status(deployment)
                #expect(statuses.allSatisfy { $0.ready }, "\(statuses.map { "\($0.name): \($0.readiness)" })")

                let client = try TrustMedDefaults.client(keys: try TrustMedDefaults.generateClientKeys(
                    hashBits: 32, parameterSet: TrustMedDefaults.testParameterSet))
                var rng = seededGenerator(515)
                let images = (0..<12).map { i in
                    TrustMedClient.Image(recordID: "rec-\(i)", bytes: SecureRandom.bytes(700 + 29 * i, using: &rng),
                                         hashcode: (0..<32).map { _ in UInt8.random(in: 0...1, using: &rng) })
                }
                let timeout = ClientConfiguration.standard.timeout(.seconds(120))
                let owner = try cluster.client("master", token: try tokens.token(.owner), as: .owner, configuration: timeout)
                let user = try cluster.client("master", token: try tokens.token(.user), as: .user, configuration: timeout)
                _ = try await owner.call(Routes.EdgeMaster.keys, body: client.registration.serialized())
                for request in try client.uploadRequests(for: images) {
                    #expect(try UploadResponse(serialized: try await owner.call(Routes.EdgeMaster.upload, body: request.serialized())).allStored)
                }
                func query(_ hashcode: [UInt8]) async throws -> ([TrustMedClient.Ranked], [TrustMedClient.Retrieved]) {
                    let search = try SearchResponse(serialized: try await user.call(
                        Routes.EdgeMaster.search, body: try client.searchRequest(hashcode: hashcode).serialized()))
                    let ranked = try client.rank(search, k: 4)
                    let fetched = try FetchResponse(serialized: try await user.call(
                        Routes.EdgeMaster.fetch, body: FetchRequest(recordIDs: ranked.map(\.recordID)).serialized()))
                    return (ranked, client.open(fetched))
                }
                let probe = images[5].hashcode
                let plaintext = TrustMedClient.topK(images.map { image in
                    .init(recordID: image.recordID, distance: zip(probe, image.hashcode).filter { $0 != $1 }.count)
                }, k: 4)
                var (ranked, opened) = try await query(probe)
                #expect(ranked == plaintext)
                #expect(try opened.map { try $0.result.get() } == plaintext.map { id in images.first { $0.recordID == id.recordID }!.bytes })

                // A storage node replaced by one with a newly issued certificate (same name and address, new key and
                // serial): the master reconnects to it and the images still open (3 of 5 shares suffice meanwhile).
                let node = try #require(cluster.role("node2"))
                let before = try TLSCredentials(files: try #require(node.instance.tls)).identity.serial
                await node.stop()
                let pki = try LocalPKI.open(in: directory.appendingPathComponent("pki"))
                _ = try pki.files(role: .storageNode, name: "node2", renew: true)
                try await node.restart()
                let after = try TLSCredentials(files: try #require(node.instance.tls)).identity.serial
                #expect(after != before)
                (ranked, opened) = try await query(probe)
                #expect(ranked == plaintext)
                #expect(opened.allSatisfy { (try? $0.result.get()) != nil })
                let usage = try await cluster.client("node2", token: try tokens.token(.admin), as: .admin)
                    .call(Routes.StorageNode.usage, as: StorageNodeUsage.self)
                #expect(usage.shares == 12)

                // Metrics over mutual TLS: the query latency histogram of the engine and the records stored.
                let metrics = String(decoding: try await cluster.client("master", token: "", as: .admin).call(Routes.metrics),
                                     as: UTF8.self)
                #expect(metrics.contains("medsearch_query_duration_seconds_count{engine=\"trustmed\"}"))
                #expect(metrics.contains("medsearch_records_stored{instance=\"master\"} 12"))
            } catch {
                await cluster.down()
                throw error
            }
            await cluster.down()
            #expect(cluster.roles.allSatisfy { !$0.isRunning })
        }
    }
}
