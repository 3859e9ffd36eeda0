import Dispatch
import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchFeatures
import MedSearchFNN
import MedSearchIndex
import MedSearchSecureKNN
import MedSearchSEI
import MedSearchTrustMed

/// What every engine is given: the same database and the same leave-one-out queries.
struct CompareInput: Sendable {
    /// Database ids (valid for every engine).
    var ids: [String]
    /// The base feature of each database image.
    var features: [[Float]]
    /// The image files' bytes (empty arrays for synthetic data: nothing is sealed or shared then).
    var images: [[UInt8]]
    /// TrustMedSearch hashcodes (0/1 per bit) of each image.
    var codes: [[UInt8]]
    /// Bytes of the hash model a TrustMedSearch client keeps (0 for synthetic codes).
    var hashModelBytes: Int
    /// Database indices searched as queries (each excluded from its own ranking).
    var queries: [Int]
    /// The deepest cut-off: every engine returns this many results after removing the query itself.
    var k: Int
    /// Show progress.
    var progress: Bool

    var count: Int { ids.count }
}

/// One engine's measurements on one input.
struct EngineMeasurement: Sendable {
    /// Per query, database indices best first (query removed), `k` long when the database allows.
    var rankings: [[Int]] = []
    /// Queries whose encrypted top-k differed from the plaintext reference.
    var mismatches = 0
    /// Per query wall time, seconds.
    var latencies: [Double] = []
    /// Owner preparation plus server storing of the whole database, seconds.
    var uploadSeconds = 0.0
    var bytesUp: [Int] = []
    var bytesDown: [Int] = []
    var bytesBetween: [Int] = []
    var preprocessingBytesPerQuery = 0.0
    /// Server storage for search, whole database, bytes.
    var indexBytes = 0.0
    /// Server storage of the images, whole database, bytes.
    var imageBytes = 0.0
    var clientBytes = 0
    var searches = ""
    var reference = ""
    var parameters: [String: String] = [:]
    /// The same queries with every server role a child process (nil when no role was started).
    var roles: CompareRoleRun?

    func mean(_ values: [Int]) -> Double { values.isEmpty ? 0 : Double(values.reduce(0, +)) / Double(values.count) }
    var bytesPerQuery: Double { mean(bytesUp) + mean(bytesDown) + mean(bytesBetween) }
}

/// Engine options of a comparison run.
struct CompareEngineOptions: Sendable {
    var fnnScale = 1000.0
    var seiDimension = 64
    var trustMedParameterSet = TrustMedDefaults.defaultParameterSet
    var nodes = 5
    var threshold = 3
    /// Starts the server roles as child processes for the CPU-per-role run (nil: in-process only).
    var roles: CompareRoleHarness?
}

/// Runs each engine in one process: the owner, user and server state machines the deployed processes run, with
/// every message serialised to count its bytes.
enum CompareEngines {
    static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func squaredDistance(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in a.indices { let d = a[i] - b[i]; sum += d * d }
        return sum
    }

    static func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { let d = a[i] - b[i]; sum += d * d }
        return sum
    }

    /// Drops the query from a ranking and cuts it to k.
    static func leaveOneOut(_ ranking: [Int], query: Int, k: Int) -> [Int] {
        Array(ranking.filter { $0 != query }.prefix(k))
    }

    // MARK: - Plaintext

    /// Exact squared-Euclidean search on the base feature, as a server holding the features in the clear would
    /// run it: the reference every other engine's quality is compared with.
    static func plaintext(_ input: CompareInput) throws -> EngineMeasurement {
        var m = EngineMeasurement()
        let start = now
        let database = try ExactSearch.FloatDatabase(ids: Array(0..<input.count), vectors: input.features)
        m.uploadSeconds = seconds(since: start)
        let d = input.features.first?.count ?? 0
        let cpu = ProcessCPU.ownSeconds()
        for q in input.queries {
            let t0 = now
            let hits = database.search(input.features[q], k: input.k + 1)
            m.latencies.append(seconds(since: t0))
            m.rankings.append(leaveOneOut(hits.map(\.id), query: q, k: input.k))
            m.bytesUp.append(4 * d)
            m.bytesDown.append(hits.reduce(0) { $0 + input.ids[$1.id].utf8.count + 4 })
        }
        let perQuery = 1000 * (ProcessCPU.ownSeconds() - cpu) / Double(max(1, input.queries.count))
        m.roles = CompareRoleRun(queries: input.queries.count, roles: [
            CompareRoleCost(role: "server and client in the compare process (no server process)", processes: 1,
                            cpuMillisecondsPerQuery: perQuery, peakResidentBytes: nil)],
            latencyP50Milliseconds: 1000 * CompareBenchmark.percentile(m.latencies, 0.5),
            latencyP95Milliseconds: 1000 * CompareBenchmark.percentile(m.latencies, 0.95),
            sameTopKAsInProcess: input.queries.count)
        m.indexBytes = Double(4 * d * input.count)
        m.imageBytes = Double(input.images.reduce(0) { $0 + $1.count })
        m.searches = "the base feature in the clear (d = \(d), Float), exact squared Euclidean scan"
        m.reference = "is the reference"
        m.parameters = ["dimension": "\(d)"]
        return m
    }

    // MARK: - FNN

    /// FNN's shared back end (two clouds, additive shares): exact top-k on the base feature in fixed point.
    static func fnn(_ input: CompareInput, scale: Double, roles harness: CompareRoleHarness? = nil) async throws -> EngineMeasurement {
        var m = EngineMeasurement()
        let maxMagnitude = input.features.joined().reduce(Float(0)) { max($0, abs($1)) }
        let maxAbs = max(1, Int64((Double(maxMagnitude) * scale).rounded(.up)))
        let records = input.features.enumerated().map { index, feature in
            FNNRecordInput(id: UInt64(index + 1),
                           vector: feature.map { max(-maxAbs, min(maxAbs, Int64((Double($0) * scale).rounded()))) },
                           label: input.ids[index])
        }
        let d = records.first?.vector.count ?? 0
        let parameters = try FNNParameters(backend: .shared, dimension: d, maxAbsCoordinate: maxAbs)
        var start = now
        let owner = try FNNOwner.generate(parameters: parameters)
        let user = try FNNUser(credentials: owner.userCredentials)
        var c1 = FNNC1Database(setup: owner.c1Setup)
        var c2 = try FNNC2Database(setup: owner.c2Setup)
        let encoded = try owner.encode(records)
        let batch = FNNRecordBatch(encoded)
        let publicKey = owner.c1Setup.publicKey
        let uploadBytes = batch.serialized(context: publicKey).count
        try c1.add(try FNNRecordBatch(serialized: batch.serialized(context: publicKey), context: publicKey).records)
        m.uploadSeconds = seconds(since: start)
        // The correlations C2 needs, one entry per query, shipped by the owner ahead of time.
        start = now
        let entries = UInt64(input.queries.count)
        let seeds = try owner.poolSeedsForC1(entries: 0..<entries)
        let pool = try owner.poolForC2(entries: 0..<entries, records: records)
        try c1.addPool(seeds)
        try c2.addPool(pool)
        m.preprocessingBytesPerQuery = Double(pool.serialized().count + FNNPoolSeeds(seeds).serialized().count)
            / Double(max(1, input.queries.count))
        m.parameters["correlation_pool_seconds_per_query"] = String(format: "%.4f", seconds(since: start) / Double(max(1, input.queries.count)))
        let pairs = records.map { ($0.id, $0.vector) }
        var rejected = 0.0
        let reporter = ProgressReporter(label: "fnn queries", total: input.queries.count, enabled: input.progress)
        for q in input.queries {
            let t0 = now
            let prepared = try user.prepareQuery(records[q].vector, k: input.k + 1)
            let up = prepared.forC1.serialized(context: publicKey).count + (prepared.forC2?.serialized().count ?? 0)
            let entry = try c1.takeEntry()
            var search = try FNNC1Search(database: c1, query: prepared.forC1, entry: entry, batchSize: 8)
            let first = try search.start()
            var between = first.serialized(context: publicKey).count
            var (c2Search, reply) = try FNNC2Search.start(database: &c2, message: first, userShare: prepared.forC2)
            between += reply.serialized(context: publicKey).count
            var hits: [FNNSearchHit] = []
            var down = 0
            loop: while true {
                switch try search.handle(reply) {
                case let .send(next):
                    between += next.serialized(context: publicKey).count
                    reply = try c2Search.handle(next)
                    between += reply.serialized(context: publicKey).count
                case let .finished(result):
                    guard let handover = c2Search.handover else { throw BenchmarkError.wrongResult("FNN: C2 has no hand-over") }
                    down = result.serialized().count + handover.serialized().count
                    hits = try user.open(result: result, handover: handover)
                    rejected += result.rejectRatio
                    break loop
                }
            }
            m.latencies.append(seconds(since: t0))
            m.bytesUp.append(up)
            m.bytesDown.append(down)
            m.bytesBetween.append(between)
            let expected = FNNPlaintextSearch.topK(query: records[q].vector, records: pairs, k: input.k + 1)
            if hits.map(\.neighbor) != expected { m.mismatches += 1 }
            m.rankings.append(leaveOneOut(hits.map { Int($0.id) - 1 }, query: q, k: input.k))
            reporter.advance()
        }
        if let harness {
            m.roles = try await harness.fnn(owner: owner, records: records, input: input, expected: m.rankings)
        }
        m.indexBytes = Double(uploadBytes)
        m.clientBytes = owner.userCredentials.serialized().count
        m.searches = "the base feature in fixed point (round(x * \(Int(scale))), |x| <= \(maxAbs), d = \(d)) as additive shares at C1 "
            + "with C2 holding the correlations; exact top-k with lower-bound pruning"
        m.reference = "plaintext exact top-k on the same fixed-point vectors (FNNPlaintextSearch)"
        m.parameters["backend"] = "shared"
        m.parameters["reject_ratio"] = String(format: "%.3f", rejected / Double(max(1, input.queries.count)))
        m.parameters["dimension"] = "\(d)"
        m.parameters["scale"] = "\(Int(scale))"
        return m
    }

    // MARK: - SEI

    /// SEI: PCA to `dimension`, CAK-means index tree, matrix-encrypted vectors, best-first tree search.
    static func sei(_ input: CompareInput, dimension: Int, featureName: String,
                    roles harness: CompareRoleHarness? = nil) async throws -> EngineMeasurement {
        var m = EngineMeasurement()
        var start = now
        var owner = try SEIOwner.generate(configuration: SEIConfiguration(dimension: dimension))
        let upload = try owner.buildIndex(ids: input.ids, features: input.features, extractorKind: featureName)
        let uploadBytes = upload.serialized().count
        let cloud = try SEICloudIndex(upload: try SEIIndexUpload(serialized: upload.serialized()))
        var sealedBytes = 0
        if input.images.contains(where: { !$0.isEmpty }) {
            let sealed = try SEISealedImages(images: zip(input.ids, input.images).map { id, bytes in
                .init(id: id, sealed: try owner.sealImage(bytes, id: id))
            })
            sealedBytes = sealed.images.reduce(0) { $0 + $1.sealed.count }
        }
        m.uploadSeconds = seconds(since: start)
        let secret = try SecureKNNUserSecret.generate(dimension: dimension)
        let credentials = try owner.register(secret.registrationRequest)
        let user = try SEIUser(credentials: credentials, secret: secret)
        guard let index = owner.index, let model = owner.model else { throw BenchmarkError.wrongResult("SEI: no index after GenIndex") }
        // The plaintext reference: the same tree walk and leaf scan on the owner's plaintext reduced vectors.
        let reduced = try input.features.map { try model.reduce($0) }
        var members = [[Int]](repeating: [], count: index.leafCentres.count)
        for (i, id) in input.ids.enumerated() { if let c = index.clusterOf[id], c < members.count { members[c].append(i) } }
        let position = Dictionary(uniqueKeysWithValues: input.ids.enumerated().map { ($1, $0) })
        let options = SEISearchOptions(k: input.k + 1)
        func reference(_ q: Int) -> [Int] {
            var selector = TopKSelector<String>(k: options.k)
            let minimum = SEISearchOptions.defaultMinCandidates(k: options.k, count: input.count)
            let limits = TreeSearchLimits(minCandidates: max(minimum, options.k), minLeaves: options.minLeaves)
            index.tree.visitLeaves(strategy: options.strategy, limits: limits,
                                   nodeScore: { Float(squaredDistance(index.nodeVectors[$0], reduced[q])) },
                                   clusterSize: { members[$0].count },
                                   visit: { cluster in
                                       for i in members[cluster] {
                                           selector.offer(id: input.ids[i], score: Float(squaredDistance(reduced[i], reduced[q])))
                                       }
                                   })
            return selector.results.compactMap { position[$0.id] }
        }
        let reporter = ProgressReporter(label: "sei queries", total: input.queries.count, enabled: input.progress)
        var scored = 0, trapdoorSeconds = 0.0
        for q in input.queries {
            start = now
            let (request, pending) = try user.makeSearch(input.features[q], options: options)
            trapdoorSeconds += seconds(since: start)
            let requestBytes = request.serialized()
            let response = try cloud.search(try SEISearchRequest(serialized: requestBytes))
            let responseBytes = response.serialized()
            let hits = try user.results(from: try SEISearchResponse(serialized: responseBytes), for: pending)
            m.latencies.append(seconds(since: start))
            m.bytesUp.append(requestBytes.count)
            m.bytesDown.append(responseBytes.count)
            scored += response.scoredImages
            let ranking = hits.compactMap { position[$0.id] }
            let expected = reference(q)
            // Equal up to ties: the same plaintext distance at every rank (the encrypted scores are Float).
            let same = ranking.count == expected.count && zip(ranking, expected).allSatisfy { a, b in
                a == b || abs(squaredDistance(reduced[a], reduced[q]) - squaredDistance(reduced[b], reduced[q]))
                    <= 1e-4 * max(1, squaredDistance(reduced[b], reduced[q]))
            }
            if !same { m.mismatches += 1 }
            m.rankings.append(leaveOneOut(ranking, query: q, k: input.k))
            reporter.advance()
        }
        if let harness {
            m.roles = try await harness.sei(upload: upload, user: user, options: options, input: input, expected: m.rankings)
        }
        m.indexBytes = Double(uploadBytes)
        m.imageBytes = Double(sealedBytes)
        m.clientBytes = credentials.serialized().count + secret.serialized().count
        m.searches = "the base feature reduced by PCA to d = \(dimension), matrix-encrypted (ASPE, 2d + 2 floats) in a "
            + "CAK-means tree of \(index.leafCentres.count) leaves; best-first tree search"
        m.reference = "the same tree walk and leaf scan on the owner's plaintext reduced vectors (equal up to Float ties)"
        m.parameters = ["dimension": "\(dimension)", "leaves": "\(index.leafCentres.count)",
                        "mean_images_scored": String(format: "%.1f", Double(scored) / Double(max(1, input.queries.count))),
                        "gentrap_ms": String(format: "%.3f", 1000 * trapdoorSeconds / Double(max(1, input.queries.count)))]
        return m
    }

    // MARK: - TrustMedSearch

    /// TrustMedSearch: BFV-encrypted hashcodes at the edge master, images sealed and shared m-of-n over storage
    /// nodes; the client decrypts the Hamming distances and ranks. `unlinkable` (the default of `trustmed query`
    /// and the web application): the response carries no record ids and the client learns the ids of its top-k
    /// only by fetching them (the fetch rebuilds their sealed images from m shares, so it is part of the query);
    /// otherwise identifier mode (each live record's distance with its id).
    static func trustMed(_ input: CompareInput, options: CompareEngineOptions, unlinkable: Bool,
                         roles harness: CompareRoleHarness? = nil) async throws -> EngineMeasurement {
        var m = EngineMeasurement()
        let bits = input.codes.first?.count ?? 64
        var start = now
        let keys = try TrustMedDefaults.generateClientKeys(hashBits: bits, parameterSet: options.trustMedParameterSet)
        let client = try TrustMedDefaults.client(keys: keys)
        m.parameters["keygen_seconds"] = String(format: "%.3f", seconds(since: start))
        let nodes = (0..<options.nodes).map { _ in StorageNode(store: InMemoryShareStore()) }
        let master = try EdgeMaster(configuration: .init(threshold: options.threshold), metadata: InMemoryMetadataStore(),
                                    nodes: LocalNodeTransport(nodes: nodes),
                                    sharing: try TrustMedDefaults.sharingScheme(signingKey: TrustMedDefaults.newManifestSigningKey()),
                                    evaluatorFactory: TrustMedDefaults.evaluatorFactory)
        try await master.register(client.registration)
        start = now
        let images = input.ids.indices.map { TrustMedClient.Image(recordID: input.ids[$0], bytes: input.images[$0], hashcode: input.codes[$0]) }
        var blockBytes = 0
        for request in try client.uploadRequests(for: images) {
            blockBytes += request.encryptedBlock.count + request.items.reduce(0) { $0 + $1.contentTag.count }
            let response = try await master.upload(try UploadRequest(serialized: request.serialized()))
            guard response.allStored else { throw BenchmarkError.wrongResult("TrustMedSearch: an upload was not stored") }
        }
        m.uploadSeconds = seconds(since: start)
        var nodeBytes = 0
        for node in nodes { nodeBytes += try await node.usage().bytes }
        let database = try ExactSearch.HammingDatabase(ids: input.ids, codes: input.codes.map { Hashcode(bits: $0.map { $0 == 1 }) })
        let position = Dictionary(uniqueKeysWithValues: input.ids.enumerated().map { ($1, $0) })
        let reporter = ProgressReporter(label: "trustmed queries (\(unlinkable ? "unlinkable" : "identifier"))",
                                        total: input.queries.count, enabled: input.progress)
        var searchLatencies: [Double] = [], fetchBytes: [Int] = []
        for q in input.queries {
            start = now
            let request = try client.searchRequest(hashcode: input.codes[q], unlinkable: unlinkable)
            let requestBytes = request.serialized()
            let response = try await master.search(try SearchRequest(serialized: requestBytes))
            let responseBytes = response.serialized()
            var up = requestBytes.count, down = responseBytes.count
            let ranked: [TrustMedClient.Ranked]
            if unlinkable {
                let selection = try client.select(try SearchResponse(serialized: responseBytes), k: input.k + 1)
                searchLatencies.append(seconds(since: start))
                guard let fetch = selection.fetch else { throw BenchmarkError.wrongResult("TrustMedSearch: nothing to fetch") }
                let fetchRequest = fetch.serialized()
                let fetched = try await master.fetch(try FetchRequest(serialized: fetchRequest)).serialized()
                up += fetchRequest.count
                down += fetched.count
                fetchBytes.append(fetched.count)
                ranked = try client.ranked(selection, fetched: try FetchResponse(serialized: fetched))
            } else {
                ranked = try client.rank(try SearchResponse(serialized: responseBytes), k: input.k + 1)
            }
            m.latencies.append(seconds(since: start))
            m.bytesUp.append(up)
            m.bytesDown.append(down)
            if ranked != TrustMedPlaintext.topK(query: input.codes[q], database: database, k: input.k + 1) { m.mismatches += 1 }
            m.rankings.append(leaveOneOut(ranked.compactMap { position[$0.recordID] }, query: q, k: input.k))
            reporter.advance()
        }
        if let harness {
            m.roles = try await harness.trustMed(client: client, images: images, nodes: options.nodes,
                                                 threshold: options.threshold, unlinkable: unlinkable, input: input,
                                                 expected: m.rankings)
        }
        m.indexBytes = Double(blockBytes)
        m.imageBytes = Double(nodeBytes)
        m.clientBytes = keys.serialized().count + input.hashModelBytes
        m.searches = "\(bits)-bit ITQ hashcodes of the base feature, BFV-encrypted (\(options.trustMedParameterSet)) at the "
            + "edge master; images AES-GCM sealed and shared \(options.threshold)-of-\(options.nodes) over storage nodes; "
            + (unlinkable ? "unlinkable mode (the default): the response has no record ids; the client decrypts every "
                + "live record's distance, picks its top-k positions and fetches them (ids and sealed images), so the "
                + "latency and the bytes down include rebuilding the k sealed images from m shares each"
                : "identifier mode (the owner's quality evaluation): every live record's distance with its id, no fetch")
        m.reference = "plaintext exact Hamming top-k on the same hashcodes (ties by id)"
        m.parameters["parameter_set"] = options.trustMedParameterSet
        m.parameters["secure_parameters"] = TrustMedDefaults.isSecure(parameterSet: options.trustMedParameterSet) ? "yes" : "no (test set)"
        m.parameters["bits"] = "\(bits)"
        m.parameters["nodes"] = "\(options.nodes)"
        m.parameters["threshold"] = "\(options.threshold)"
        m.parameters["mode"] = unlinkable ? "unlinkable" : "identifier"
        if unlinkable {
            m.parameters["search_only_p50_ms"] = String(format: "%.1f", 1000 * CompareBenchmark.percentile(searchLatencies, 0.5))
            m.parameters["fetch_bytes_per_query"] = String(format: "%.0f", m.mean(fetchBytes))
        }
        return m
    }
}
