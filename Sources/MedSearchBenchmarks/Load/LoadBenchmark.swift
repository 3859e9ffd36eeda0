import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchFNN
import MedSearchSecureKNN
import MedSearchSEI
import MedSearchTransport
import MedSearchTrustMed

/// `medsearch bench load`: bounded `wrk` runs against every server role and the web application, each a separate
/// process on loopback: requests per second, latency percentiles, errors and the role's peak resident memory.
@MemberwiseInit(.public)
public struct LoadBenchmark {
    /// What to run (the options of `medsearch bench load`).
    public struct Configuration: Sendable {
        /// Seconds of each wrk run (1...20).
        public var seconds = 10
        /// Open connections of each run.
        public var connections = 8
        /// wrk threads.
        public var threads = 2
        /// Images in the SEI index and records at the TrustMedSearch edge master.
        public var records = 200
        /// The `medsearch` executable that runs the servers (default: this one).
        public var executable: URL?

        /// The defaults of `medsearch bench load`.
        public init() {}

        func validate() throws {
            guard (1...20).contains(seconds) else { throw BenchmarkError.invalidArgument("--seconds must be 1...20") }
            guard (1...256).contains(connections) else {
                throw BenchmarkError.invalidArgument("--connections must be 1...256")
            }
            guard (1...16).contains(threads), threads <= connections else {
                throw BenchmarkError.invalidArgument("--threads must be 1...16 and at most --connections")
            }
            guard (20...100_000).contains(records) else { throw BenchmarkError.invalidArgument("--records must be 20...100000") }
        }
    }

    /// The command's one-line help.
    public static let abstract = "Load every role and the web application with wrk on loopback (writes JSON)."
    /// The description of the suite shown by `medsearch bench load --help`.
    public static let discussion = """
        Starts each role as its own process on 127.0.0.1 (fnn-c1 and fnn-c2; sei with a synthetic index of \
        --records images; an edge master with 3 storage nodes, m = 2, --records encrypted hashcodes under the \
        default BFV parameter set; the web application with the SEI engine and the demo data) and runs \
        Debian's wrk against each role's status endpoint (and /health), the SEI and edge-master search \
        endpoints (one recorded encrypted query, replayed), and the web application's /health, login page and \
        logged-in search by a stored image (the demo clinician's session, made with curl). FNN's search, an \
        exchange with fresh state per query that wrk cannot replay, runs as a closed loop of --connections \
        concurrent clients (at most 2000 queries). Every run lasts --seconds (at most 20) and is killed 15 s \
        after that if wrk hangs. Reports requests per second, \
        p50/p99/max latency, wrk's error counts (connect, read, write, timeout, non-2xx) and each role's peak \
        resident memory (VmHWM) after its runs. Needs wrk (scripts/setup.sh installs it). Run from a release \
        build; a debug build's figures are marked as such.
        """

    /// One wrk run.
    public struct Run: Codable, Sendable {
        /// The role (process) under load.
        public var role: String
        /// What the endpoint does.
        public var endpoint: String
        /// `METHOD /path`.
        public var request: String
        /// Open connections of this run.
        public var connections: Int
        /// Bytes of the request body (0 for GET).
        public var bodyBytes: Int
        /// Requests completed.
        public var requests: Int
        /// Completed requests per second.
        public var requestsPerSecond: Double
        /// Latency percentiles and maximum, in milliseconds.
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var maxMilliseconds: Double
        /// wrk's socket error counts and answers outside 2xx/3xx.
        public var connectErrors: Int
        public var readErrors: Int
        public var writeErrors: Int
        public var timeouts: Int
        public var non2xx: Int
        /// The role process's peak resident set after this run (VmHWM, bytes).
        public var rolePeakResidentBytes: Int?

        enum CodingKeys: String, CodingKey {
            case role, endpoint, request, connections, bodyBytes = "body_bytes", requests, requestsPerSecond = "requests_per_second"
            case p50Milliseconds = "p50_ms", p99Milliseconds = "p99_ms", maxMilliseconds = "max_ms"
            case connectErrors = "connect_errors", readErrors = "read_errors", writeErrors = "write_errors", timeouts
            case non2xx = "non_2xx", rolePeakResidentBytes = "role_peak_resident_bytes"
        }
    }

    /// The figures of a run.
    public struct Body: BenchmarkBody {
        public static let suite = "load"
        /// wrk threads, connections and seconds of each run.
        public var wrkThreads: Int
        public var wrkConnections: Int
        public var secondsPerRun: Int
        /// Images in the SEI index and records at the edge master.
        public var records: Int
        /// Every wrk run.
        public var runs: [Run]
        /// What was not measured, and why.
        public var notes: [String]

        enum CodingKeys: String, CodingKey {
            case wrkThreads = "wrk_threads", wrkConnections = "wrk_connections", secondsPerRun = "seconds_per_run"
            case records, runs, notes
        }
    }

    let configuration: Configuration

    /// A role process under load: its base URL and process id.
    struct Target {
        var role: String
        var url: String
        var pid: Int32?
    }

    /// One request to replay.
    struct Load {
        var endpoint: String
        var method: String
        var path: String
        var token: String?
        var body: [UInt8]?
        /// Open connections, when fewer than the configuration's (an expensive endpoint).
        var connections: Int?
        /// The body's media type.
        var contentType = "application/octet-stream"
        /// A `Cookie` header (the web application's session).
        var cookie: String?
    }

    /// Runs every load; returns the report as JSON.
    public func run(log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Data {
        try configuration.validate()
        guard let wrk = Self.executable(named: "wrk") else {
            throw BenchmarkError.missingInput("wrk not found on PATH: install Debian's wrk (scripts/setup.sh does)")
        }
        guard let timeout = Self.executable(named: "timeout") else {
            throw BenchmarkError.missingInput("timeout (coreutils) not found on PATH")
        }
        let executable = try configuration.executable ?? MedSearchExecutable.current()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("medsearch-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: work) }
        let runner = WRKRunner(wrk: wrk, timeout: timeout, directory: work, configuration: configuration)
        let environment = BenchEnvironment.current()
        var runs = [Run]()
        var notes = [String]()
        if BuildConfiguration.isDebug { notes.append("debug build: figures are not representative (run from a release build)") }
        // Plain HTTP on loopback: wrk presents no client certificate (what TLS costs: `medsearch bench deploy`).
        let launcher = RoleLauncher(mode: .childProcess(executable: executable), security: .insecure)
        notes.append("roles served plain HTTP on loopback (--insecure): wrk cannot present a client certificate; "
                     + "`medsearch bench deploy` measures what mutual TLS adds")

        // FNN: status endpoints with wrk; the search (an exchange between the user, C1 and C2 with fresh state per
        // query, not replayable by wrk) as a closed loop of concurrent clients.
        log("starting fnn-c1 and fnn-c2")
        let fnn = try await FNNClouds.launch(launcher, directory: work.appendingPathComponent("fnn"))
        do {
            for (name, role, route, token) in [("fnn-c1", fnn.c1, Routes.FNNC1.status, ServiceRole.user),
                                               ("fnn-c2", fnn.c2, Routes.FNNC2.status, .owner)] {
                let target = Target(role: name, url: role.url, pid: role.pid)
                runs.append(try await runner.run(target, Load(endpoint: "health", method: "GET", path: Routes.health.path), log: log))
                runs.append(try await runner.run(target, Load(endpoint: "status", method: "GET", path: route.path,
                                                              token: try fnn.tokens.token(token)), log: log))
            }
            let search = try await Self.prepareFNN(fnn: fnn, records: configuration.records, queries: Self.fnnQueries)
            let loop = ClosedLoopRunner(seconds: configuration.seconds, connections: configuration.connections)
            runs.append(await loop.run(Target(role: "fnn-c1", url: fnn.c1.url, pid: fnn.c1.pid),
                                       endpoint: "search (shared back end, k = 10): share to C2, query to C1, hand-over from C2",
                                       request: "POST \(Routes.FNNC1.query.path) (closed loop, not wrk)",
                                       bodyBytes: search.queryBytes, limit: Self.fnnQueries, log: log, search.query))
            if let c2 = fnn.c2.pid.flatMap({ ProcessMemory.peakResidentBytes(pid: $0) }) {
                notes.append("fnn-c2 peak resident memory after the FNN search run: \(c2 >> 20) MiB")
            }
            notes.append("FNN search: a closed loop of --connections clients (each query is an exchange with fresh "
                         + "state, not replayable by wrk), at most \(Self.fnnQueries) queries (one correlation entry each)")
            await fnn.stop()
        } catch {
            await fnn.stop()
            throw error
        }

        // SEI: status and search (one recorded query, tree mode, k = 10).
        log("starting sei with \(configuration.records) synthetic images")
        let sei = try await SEICloud.launch(launcher, directory: work.appendingPathComponent("sei"))
        do {
            let body = try await Self.prepareSEI(remote: SEIRemote(service: try sei.client(role: .owner)),
                                                 records: configuration.records)
            let target = Target(role: "sei", url: sei.server.url, pid: sei.server.pid)
            let user = try sei.tokens.token(.user)
            runs.append(try await runner.run(target, Load(endpoint: "status", method: "GET", path: Routes.SEI.status.path,
                                                          token: user), log: log))
            runs.append(try await runner.run(target, Load(endpoint: "search (tree, k = 10)", method: "POST",
                                                          path: Routes.SEI.search.path, token: user, body: body), log: log))
            await sei.stop()
        } catch {
            await sei.stop()
            throw error
        }

        // TrustMedSearch: the edge master's status and search; a storage node's usage.
        log("starting an edge master and 3 storage nodes; encrypting \(configuration.records) hashcodes")
        let cluster = try await TrustMedCluster.launch(launcher, directory: work.appendingPathComponent("trustmed"),
                                                       nodeCount: 3, threshold: 2)
        do {
            let (body, once) = try await Self.prepareTrustMed(cluster: cluster, records: configuration.records)
            notes.append("one edge-master search before its run took \(BenchFormat.number(once * 1000)) ms (end to end, one client)")
            let master = Target(role: "edge-master", url: cluster.master.url, pid: cluster.master.pid)
            let user = try cluster.tokens[.user].orThrow("no user token")
            runs.append(try await runner.run(master, Load(endpoint: "status", method: "GET",
                                                          path: Routes.EdgeMaster.status.path, token: user), log: log))
            runs.append(try await runner.run(master, Load(endpoint: "search (64-bit hashcodes)", method: "POST",
                                                          path: Routes.EdgeMaster.search.path, token: user, body: body,
                                                          connections: min(2, configuration.connections)),
                                             log: log))
            let node = cluster.nodes[0]
            runs.append(try await runner.run(Target(role: "storage-node", url: node.url, pid: node.pid),
                                             Load(endpoint: "usage", method: "GET", path: Routes.StorageNode.usage.path,
                                                  token: try cluster.tokens[.admin].orThrow("no admin token")),
                                             log: log))
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }

        // The web application (with the SEI engine, seeded with the demo accounts and images): /health, the login
        // page (no session is stored) and a logged-in search by a stored image (SEI, k = 5).
        log("starting the web application with the demo data")
        guard let curl = Self.executable(named: "curl") else {
            throw BenchmarkError.missingInput("curl not found on PATH (scripts/setup.sh installs it)")
        }
        let password = "load-" + UUID().uuidString.prefix(12)
        let web = try await ServiceProcess.launch(
            executable: executable,
            arguments: ["serve", "web", "--port", "0", "--data-dir", work.appendingPathComponent("web").path,
                        "--engines", "sei", "--demo", "--demo-limit", "20", "--demo-password", password,
                        "--insecure-cookies"],
            logFile: work.appendingPathComponent("web.log"), startTimeout: .seconds(300))
        do {
            let target = Target(role: "web", url: web.url, pid: web.pid)
            runs.append(try await runner.run(target, Load(endpoint: "health", method: "GET", path: "/health"), log: log))
            runs.append(try await runner.run(target, Load(endpoint: "login page", method: "GET", path: "/login"), log: log))
            let session = try await WebLoadSession.logIn(url: web.url, username: "demo-clinician", password: password,
                                                         engine: "sei", k: 5, curl: curl, directory: work)
            runs.append(try await runner.run(target, Load(endpoint: "search by a stored image (SEI, k = 5, logged in)",
                                                          method: "POST", path: "/search", body: session.searchForm,
                                                          contentType: "application/x-www-form-urlencoded",
                                                          cookie: session.cookie), log: log))
            await web.terminate()
        } catch {
            await web.terminate()
            throw error
        }

        for run in runs where run.requests == 0 {
            notes.append("\(run.role) \(run.request): no request completed within \(configuration.seconds) s at "
                         + "\(run.connections) connection(s)")
        }
        let body = Body(wrkThreads: configuration.threads, wrkConnections: configuration.connections,
                        secondsPerRun: configuration.seconds, records: configuration.records, runs: runs, notes: notes)
        return try BenchmarkReport(method: Self.method, environment: environment.finished(), body: body).json()
    }

    /// How the figures are measured, as the report says.
    static let method = "wrk 4 (Debian) on loopback, one endpoint at a time, each role its own process; one "
        + "recorded request replayed; requests per second over the run; latency percentiles from wrk's histogram; "
        + "role peak resident memory is VmHWM of the role's process after its runs"

    /// FNN queries of the search run at most (each consumes a correlation entry the owner made beforehand).
    static let fnnQueries = 2000

    /// The first executable named `name` on `PATH`, or nil.
    static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Builds a synthetic SEI index of `records` clustered 64-dimensional features, uploads it, and returns one
    /// user's serialized search request.
    static func prepareSEI(remote: SEIRemote, records: Int) async throws -> [UInt8] {
        var data = SeededRandomNumberGenerator(seed: 7)
        let centres = (0..<8).map { _ in (0..<64).map { _ in Float.random(in: -10...10, using: &data) } }
        let features = (0..<records).map { i in centres[i % 8].map { $0 + Float.random(in: -2...2, using: &data) } }
        var keys = SecureRandomGenerator()
        var owner = try SEIOwner.generate(configuration: .init(dimension: 16, affinitySampleSize: min(records, 1000)),
                                          using: &keys)
        try await remote.replaceIndex(try owner.buildIndex(ids: (0..<records).map { "img-\($0)" }, features: features))
        let secret = try SecureKNNUserSecret.generate(dimension: 16, using: &keys)
        let user = try SEIUser(credentials: owner.register(secret.registrationRequest), secret: secret)
        let (request, pending) = try user.makeSearch(features[records / 2], options: .init(k: 10))
        // The request must work before it is replayed.
        let hits = try user.results(from: try await remote.search(request), for: pending)
        guard hits.contains(where: { $0.id == "img-\(records / 2)" }) else {
            throw BenchmarkError.wrongResult("SEI search did not return the query's own image")
        }
        return request.serialized()
    }

    /// Sets up FNN's shared back end at C1 and C2 with `records` synthetic 16-dimensional vectors and `queries`
    /// correlation entries, checks one search, and returns the query a load client repeats (a fresh exchange each
    /// time) with the size of its C1 message.
    static func prepareFNN(fnn: FNNClouds, records: Int, queries: Int) async throws
        -> (query: @Sendable () async throws -> Void, queryBytes: Int) {
        let parameters = try FNNParameters(backend: .shared, dimension: 16, maxAbsCoordinate: 1 << 15)
        let owner = try FNNOwner.generate(parameters: parameters)
        var data = SeededRandomNumberGenerator(seed: 13)
        let inputs = (0..<records).map { i in
            FNNRecordInput(id: UInt64(i + 1), vector: (0..<16).map { _ in Int64.random(in: -30_000...30_000, using: &data) },
                           label: "rec-\(i + 1)")
        }
        let (c1, c2) = try fnn.clients(role: .owner)
        try await FNNClientFlows.upload(owner: owner, records: inputs, allRecords: inputs, pool: queries, c1: c1, c2: c2,
                                        sendSetup: true, progress: false)
        let user = try FNNUser(credentials: owner.userCredentials)
        let (userC1, userC2) = try fnn.clients(role: .user)
        let vector = inputs[records / 2].vector
        let (hits, _) = try await FNNClientFlows.query(user: user, vector: vector, k: 10, c1: userC1, c2: userC2)
        guard hits.first?.id == inputs[records / 2].id else {
            throw BenchmarkError.wrongResult("FNN search did not return the query's own record first")
        }
        let bytes = try user.prepareQuery(vector, k: 10).forC1.serialized(context: user.credentials.publicKey).count
        return ({ _ = try await FNNClientFlows.query(user: user, vector: vector, k: 10, c1: userC1, c2: userC2) }, bytes)
    }

    /// Registers keys at the edge master, uploads `records` random 64-bit hashcodes (with small image payloads),
    /// and returns one serialized search request with the seconds one search took.
    static func prepareTrustMed(cluster: TrustMedCluster, records: Int) async throws -> ([UInt8], Double) {
        let client = try TrustMedDefaults.client(keys: try TrustMedDefaults.generateClientKeys(
            hashBits: 64, parameterSet: TrustMedDefaults.defaultParameterSet))
        let owner = TrustMedRemote(service: cluster.masterClient(role: .owner))
        try await owner.register(client.registration)
        var data = SeededRandomNumberGenerator(seed: 11)
        let images = (0..<records).map { i in
            TrustMedClient.Image(recordID: "rec-\(i)", bytes: (0..<512).map { _ in UInt8.random(in: 0...255, using: &data) },
                                 hashcode: (0..<64).map { _ in UInt8.random(in: 0...1, using: &data) })
        }
        for request in try client.uploadRequests(for: images) {
            let response = try await owner.upload(request)
            guard response.allStored else { throw BenchmarkError.wrongResult("edge master did not store every record") }
        }
        let request = try client.searchRequest(hashcode: images[records / 2].hashcode)
        let start = ContinuousClock.now
        let response = try await TrustMedRemote(service: cluster.masterClient(role: .user)).search(request)
        let elapsed = ContinuousClock.now - start
        let ranked = try client.rank(response, k: 1)
        guard ranked.first?.recordID == images[records / 2].recordID else {
            throw BenchmarkError.wrongResult("TrustMedSearch did not rank the query's own record first")
        }
        let (seconds, attoseconds) = elapsed.components
        return (request.serialized(), Double(seconds) + Double(attoseconds) / 1e18)
    }
}

extension Optional {
    fileprivate func orThrow(_ reason: String) throws -> Wrapped {
        guard let self else { throw BenchmarkError.missingInput(reason) }
        return self
    }
}

/// Runs wrk with a Lua script that replays one request and prints wrk's summary on one line.
struct WRKRunner {
    let wrk: URL
    let timeout: URL
    let directory: URL
    let configuration: LoadBenchmark.Configuration

    func run(_ target: LoadBenchmark.Target, _ load: LoadBenchmark.Load,
             log: @Sendable (String) -> Void) async throws -> LoadBenchmark.Run {
        log("wrk \(target.role) \(load.method) \(load.path) for \(configuration.seconds) s")
        let name = UUID().uuidString
        var lines = ["wrk.method = \"\(load.method)\""]
        if let token = load.token {
            // Tokens are URL-safe; anything else would not be a token we issued.
            guard token.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                throw BenchmarkError.invalidArgument("unexpected characters in an access token")
            }
            lines.append("wrk.headers[\"Authorization\"] = \"Bearer \(token)\"")
        }
        if let cookie = load.cookie {
            guard cookie.allSatisfy({ $0.isLetter || $0.isNumber || "-_.=; ".contains($0) }) else {
                throw BenchmarkError.invalidArgument("unexpected characters in a session cookie")
            }
            lines.append("wrk.headers[\"Cookie\"] = \"\(cookie)\"")
        }
        if let body = load.body {
            let bodyFile = directory.appendingPathComponent("\(name).body")
            try OwnerOnlyFile.write(body, to: bodyFile)
            lines += ["wrk.headers[\"Content-Type\"] = \"\(load.contentType)\"",
                      "local f = assert(io.open(\"\(bodyFile.path)\", \"rb\"))", "wrk.body = f:read(\"*a\")", "f:close()"]
        }
        lines += [
            "function done(summary, latency, requests)",
            "  io.write(string.format(\"MEDSEARCH_WRK %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\\n\",",
            "    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,",
            "    summary.errors.write, summary.errors.status, summary.errors.timeout,",
            "    latency:percentile(50), latency:percentile(99), latency.max))",
            "end",
        ]
        let script = directory.appendingPathComponent("\(name).lua")
        // The script holds a bearer token: owner-only from its first byte.
        try OwnerOnlyFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: script)
        let connections = load.connections ?? configuration.connections
        let arguments = ["--kill-after=5", "\(configuration.seconds + 15)", wrk.path,
                         "-t\(min(configuration.threads, connections))", "-c\(connections)", "-d\(configuration.seconds)s",
                         "--timeout", "10s", "-s", script.path, target.url + load.path]
        let output = try await Self.capture(timeout, arguments)
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("MEDSEARCH_WRK ") }) else {
            throw BenchmarkError.wrongResult("wrk against \(target.role) \(load.path) printed no summary: \(output.suffix(400))")
        }
        let numbers = line.split(separator: " ").dropFirst().map { Double($0) ?? 0 }
        guard numbers.count == 10 else { throw BenchmarkError.wrongResult("wrk summary unreadable: \(line)") }
        let seconds = max(numbers[1] / 1_000_000, 1e-9)
        return LoadBenchmark.Run(
            role: target.role, endpoint: load.endpoint, request: "\(load.method) \(load.path)", connections: connections,
            bodyBytes: load.body?.count ?? 0, requests: Int(numbers[0]), requestsPerSecond: numbers[0] / seconds,
            p50Milliseconds: numbers[7] / 1000, p99Milliseconds: numbers[8] / 1000, maxMilliseconds: numbers[9] / 1000,
            connectErrors: Int(numbers[2]), readErrors: Int(numbers[3]), writeErrors: Int(numbers[4]),
            timeouts: Int(numbers[6]), non2xx: Int(numbers[5]),
            rolePeakResidentBytes: target.pid.flatMap { ProcessMemory.peakResidentBytes(pid: $0) })
    }

    /// Runs `executable arguments` to completion on a thread of its own and returns its standard output and error.
    static func capture(_ executable: URL, _ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: BenchmarkError.missingInput("cannot start \(executable.path): \(error)"))
                    return
                }
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
    }
}

extension LoadBenchmark: CommandDocumentation {}
