import AsyncHTTPClient
import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchSecureKNN
import MedSearchSEI
import MedSearchServer
import MedSearchTransport
import MedSearchTrustMed
import NIOCore
import NIOHTTP1

/// `medsearch bench deploy`: what TLS costs. The same deployment runs twice side by side, once over mutual TLS
/// and once over plain HTTP on loopback (`--insecure`), each role its own process; the same queries go to both,
/// interleaved, over connections that stay open (as a client of a deployment keeps them). Reported: median and
/// p90 query latency of each and their ratio, for TrustMedSearch (an edge master, 5 storage nodes, m = 3,
/// 1,000 images) and SEI (n = 4,000 vectors), and the cost of setting up a connection (`/healthz` over a new
/// connection each time against a kept one). Target: TLS adds under 10 % with connections reused.
public enum DeploymentBenchmark {
    /// The command's one-line help.
    public static let abstract = "What TLS costs: TrustMedSearch and SEI query latency with and without TLS, connection set-up."
    /// The help text of `medsearch bench deploy`.
    public static let discussion = """
        Starts each deployment twice on loopback, over mutual TLS and over plain HTTP (every role its own \
        process), sends the same queries to both, interleaved, over kept connections, and reports median and \
        p90 latency and their ratio (target: TLS adds under 10 %); then /healthz over a new connection per \
        request against a kept one. Run a release build.
        """

    /// What to run.
    public struct Options: Sendable {
        public var executable: URL
        public var trustmedImages: Int
        public var trustmedNodes: Int
        public var trustmedThreshold: Int
        public var seiRecords: Int
        public var queries: Int
        public var connections: Int

        /// Checks the sizes; `executable` defaults to the running `medsearch`.
        ///
        /// - Throws: ``BenchmarkError.invalidArgument(_:)`` for sizes too small to measure anything.
        public init(executable: URL? = nil, trustmedImages: Int = 1000, trustmedNodes: Int = 5, trustmedThreshold: Int = 3,
                    seiRecords: Int = 4000, queries: Int = 30, connections: Int = 100) throws {
            guard trustmedImages >= 10, seiRecords >= 100, queries >= 3, connections >= 3,
                  (1...trustmedNodes).contains(trustmedThreshold) else {
                throw BenchmarkError.invalidArgument("bench deploy needs --trustmed-images >= 10, --sei-records >= 100, "
                                                          + "--queries >= 3, --connections >= 3 and 1 <= m <= n")
            }
            self.executable = try executable ?? MedSearchExecutable.current()
            self.trustmedImages = trustmedImages
            self.trustmedNodes = trustmedNodes
            self.trustmedThreshold = trustmedThreshold
            self.seiRecords = seiRecords
            self.queries = queries
            self.connections = connections
        }
    }

    /// Runs every part and returns the JSON report.
    public static func run(_ options: Options, log: @escaping @Sendable (String) -> Void) async throws -> [String: Any] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("bench-deploy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let launcher = RoleLauncher(mode: .childProcess(executable: options.executable))
        var report: [String: Any] = [
            "benchmark": "deploy", "queries": options.queries,
            "loadAverageBefore": loadAverage(),
        ]
        report["trustmed"] = try await trustmed(options, launcher: launcher, work: work, log: log)
        report["sei"] = try await sei(options, launcher: launcher, work: work, log: log)
        report["connectionSetup"] = try await connectionSetup(options, launcher: launcher, work: work, log: log)
        report["loadAverageAfter"] = loadAverage()
        return report
    }

    /// Median and p90 of a sample, in milliseconds.
    static func summary(_ samples: [Duration]) -> [String: Double] {
        let sorted = samples.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
        guard !sorted.isEmpty else { return [:] }
        return ["medianMs": sorted[sorted.count / 2], "p90Ms": sorted[min(sorted.count - 1, sorted.count * 9 / 10)],
                "minMs": sorted[0]]
    }

    /// Times `body` for TLS and plain alternately (the order flips each round), `rounds` times.
    static func interleaved(rounds: Int, tls: () async throws -> Void, plain: () async throws -> Void) async throws
        -> (tls: [Duration], plain: [Duration]) {
        var (withTLS, without) = ([Duration](), [Duration]())
        let clock = ContinuousClock()
        for round in 0..<rounds {
            if round % 2 == 0 {
                withTLS.append(try await clock.measure(tls))
                without.append(try await clock.measure(plain))
            } else {
                without.append(try await clock.measure(plain))
                withTLS.append(try await clock.measure(tls))
            }
        }
        return (withTLS, without)
    }

    static func comparison(_ samples: (tls: [Duration], plain: [Duration])) -> [String: Any] {
        let tls = summary(samples.tls), plain = summary(samples.plain)
        let ratio = (tls["medianMs"] ?? 0) / max(plain["medianMs"] ?? 1, 1e-9)
        return ["tls": tls, "plain": plain, "medianRatio": ratio, "tlsOverheadPercent": (ratio - 1) * 100,
                "targetUnder10Percent": ratio < 1.10]
    }

    static func trustmed(_ options: Options, launcher: RoleLauncher, work: URL,
                         log: @escaping @Sendable (String) -> Void) async throws -> [String: Any] {
        log("trustmed: two deployments (TLS, plain), \(options.trustmedNodes) storage nodes each, m = \(options.trustmedThreshold)")
        return try await onBoth({ security in
            try await TrustMedCluster.launch(launcher, directory: work.appendingPathComponent(security == nil ? "trustmed-tls" : "trustmed-plain"),
                                             nodeCount: options.trustmedNodes, threshold: options.trustmedThreshold,
                                             nodeTimeout: .seconds(30), security: security)
        }, stop: { await $0.stop() }) { secure, plain in
            let keys = try TrustMedDefaults.generateClientKeys(hashBits: 64, parameterSet: TrustMedDefaults.defaultParameterSet)
            let client = try TrustMedDefaults.client(keys: keys)
            var rng = SecureRandomGenerator()
            let images = (0..<options.trustmedImages).map { index in
                TrustMedClient.Image(recordID: "bench-\(index)", bytes: SecureRandom.bytes(4096),
                                     hashcode: (0..<64).map { _ in UInt8.random(in: 0...1, using: &rng) })
            }
            let requests = try client.uploadRequests(for: images)
            for cluster in [secure, plain] {
                let owner = TrustMedRemote(service: cluster.masterClient(role: .owner))
                try await owner.register(client.registration)
                for request in requests { _ = try await owner.upload(request) }
            }
            log("trustmed: \(images.count) images uploaded to both; querying (top-5, search + fetch)")
            let users = [secure, plain].map { TrustMedRemote(service: $0.masterClient(role: .user)) }
            let probes = (0..<options.queries).map { images[($0 * 37) % images.count].hashcode }
            // One warm-up query each opens the connections.
            for user in users { _ = try await user.query(client: client, hashcode: probes[0], k: 5) }
            var next = 0
            let samples = try await interleaved(rounds: options.queries, tls: {
                _ = try await users[0].query(client: client, hashcode: probes[next % probes.count], k: 5)
            }, plain: {
                _ = try await users[1].query(client: client, hashcode: probes[next % probes.count], k: 5)
                next += 1
            })
            var result = comparison(samples)
            result["images"] = options.trustmedImages
            result["nodes"] = options.trustmedNodes
            result["threshold"] = options.trustmedThreshold
            return result
        }
    }

    /// Starts a deployment over TLS (`launch(nil)`: the launcher's local PKI) and one over plain HTTP
    /// (`launch(.insecure)`), runs `body` on both, and stops both whatever happens.
    static func onBoth<Deployment>(_ launch: (TransportSecurity?) async throws -> Deployment,
                                   stop: (Deployment) async -> Void,
                                   _ body: (_ secure: Deployment, _ plain: Deployment) async throws -> [String: Any])
        async throws -> [String: Any] {
        let secure = try await launch(nil)
        let plain: Deployment
        do { plain = try await launch(.insecure) } catch {
            await stop(secure)
            throw error
        }
        let result: Result<[String: Any], any Error>
        do { result = .success(try await body(secure, plain)) } catch { result = .failure(error) }
        await stop(secure)
        await stop(plain)
        return try result.get()
    }

    static func sei(_ options: Options, launcher: RoleLauncher, work: URL,
                    log: @escaping @Sendable (String) -> Void) async throws -> [String: Any] {
        let d = 64
        log("sei: two clouds (TLS, plain), n = \(options.seiRecords), d = \(d)")
        var generator = SeededRandomNumberGenerator(seed: 2026)
        let centres = (0..<40).map { _ in (0..<d).map { _ in Float.random(in: -10...10, using: &generator) } }
        let features = (0..<options.seiRecords).map { index in
            centres[index % centres.count].map { $0 + Float.random(in: -2...2, using: &generator) }
        }
        let ids = (0..<options.seiRecords).map { "vec-\($0)" }
        var owner = try SEIOwner.generate(configuration: .init(dimension: d))
        let upload = try owner.buildIndex(ids: ids, features: features)
        let secret = try SecureKNNUserSecret.generate(dimension: d)
        let user = try SEIUser(credentials: owner.register(secret.registrationRequest), secret: secret)
        return try await onBoth({ security in
            try await SEICloud.launch(launcher, directory: work.appendingPathComponent(security == nil ? "sei-tls" : "sei-plain"),
                                      security: security)
        }, stop: { await $0.stop() }) { secure, plain in
            for cloud in [secure, plain] {
                try await SEIRemote(service: try cloud.client(role: .owner)).replaceIndex(upload)
            }
            let remotes = try [secure, plain].map { SEIRemote(service: try $0.client(role: .user)) }
            let probes = (0..<options.queries).map { features[($0 * 131) % features.count] }
            func query(_ remote: SEIRemote, _ feature: [Float]) async throws {
                let (request, pending) = try user.makeSearch(feature, options: .init(k: 10))
                _ = try user.results(from: try await remote.search(request), for: pending)
            }
            for remote in remotes { try await query(remote, probes[0]) }
            var next = 0
            let samples = try await interleaved(rounds: options.queries, tls: {
                try await query(remotes[0], probes[next % probes.count])
            }, plain: {
                try await query(remotes[1], probes[next % probes.count])
                next += 1
            })
            var result = comparison(samples)
            result["records"] = options.seiRecords
            result["dimension"] = d
            return result
        }
    }

    /// `/healthz` of a storage node over a new connection each time (`Connection: close`) and over one kept
    /// connection, with and without TLS: the TLS handshake's cost.
    static func connectionSetup(_ options: Options, launcher: RoleLauncher, work: URL,
                                log: @escaping @Sendable (String) -> Void) async throws -> [String: Any] {
        log("connection set-up: \(options.connections) requests per case")
        let security = try TransportSecurity.localTLS(in: work.appendingPathComponent("conn"))
        let tokens = try IssuedTokens.issue([.admin], writingTo: work.appendingPathComponent("conn/tokens.json"))
        let secureNode = try await launcher.with(security: security).start(RoleInstance(
            role: .storageNode, name: "conn-tls", dataDirectory: work.appendingPathComponent("conn/tls").path,
            tokenFile: tokens.file.path))
        let plainNode = try await launcher.start(RoleInstance(
            role: .storageNode, name: "conn-plain", dataDirectory: work.appendingPathComponent("conn/plain").path,
            tokenFile: tokens.file.path, insecure: true))
        let tlsConfiguration = try security.clientConfiguration(.admin).tls?.clientConfiguration
        let secureClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                      configuration: .init(tlsConfiguration: tlsConfiguration))
        let plainClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        func get(_ client: HTTPClient, _ url: String, close: Bool) async throws {
            var request = HTTPClientRequest(url: url + Routes.healthz.path)
            if close { request.headers.add(name: "Connection", value: "close") }
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
        }
        do {
            var result: [String: Any] = [:]
            for reuse in [false, true] {
                try await get(secureClient, secureNode.url, close: !reuse)
                try await get(plainClient, plainNode.url, close: !reuse)
                let samples = try await interleaved(rounds: options.connections, tls: {
                    try await get(secureClient, secureNode.url, close: !reuse)
                }, plain: {
                    try await get(plainClient, plainNode.url, close: !reuse)
                })
                result[reuse ? "keptConnection" : "newConnectionEachRequest"] = comparison(samples)
            }
            try await secureClient.shutdown()
            try await plainClient.shutdown()
            await secureNode.stop()
            await plainNode.stop()
            return result
        } catch {
            try? await secureClient.shutdown()
            try? await plainClient.shutdown()
            await secureNode.stop()
            await plainNode.stop()
            throw error
        }
    }

    /// The 1-, 5- and 15-minute load averages (`/proc/loadavg`).
    static func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }
}

extension DeploymentBenchmark: CommandDocumentation {}
