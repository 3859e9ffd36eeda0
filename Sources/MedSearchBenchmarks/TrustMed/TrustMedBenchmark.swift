import MedSearchClient
import Crypto
import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import MedSearchIndex
import MedSearchTransport
import MedSearchTrustMed
import MedSearchDeployment

/// `medsearch trustmed bench`: retrieval quality (P@k, R@k, F1 per finding, encrypted and plaintext), upload
/// and query latency, node storage and node-failure behaviour of TrustMedSearch on real processes.
public struct TrustMedBenchmark {
    /// What to run (the options of `medsearch trustmed bench`).
    public struct Configuration: Sendable {
        /// Dataset folder (images/ + labels.csv); default ../shared/data/cxr-public.
        public var data: String?
        /// Storage nodes, n.
        public var nodes = 5
        /// Shares needed, m.
        public var threshold = 3
        /// Hashcode bits.
        public var bits = 64
        /// Feature the hashcode is computed from.
        public var hashBase = TrustMedHashing.defaultBase
        /// Findings (comma-separated).
        public var classes = "Atelectasis,Infiltration,Cardiomegaly,Effusion"
        /// Images stored when timing queries.
        public var latencyImages = 1000
        /// Timed rounds (after one warm-up round).
        public var rounds = 5
        /// Use at most this many leave-one-out queries (evenly spread).
        public var maxQueries: Int?
        /// Measure retrieval quality only (skip latency, failures, re-sharing, deletion).
        public var qualityOnly = false
        /// BFV parameter set.
        public var parameterSet = TrustMedDefaults.defaultParameterSet
        /// The `medsearch` executable that runs the servers.
        public var executable: URL?

        /// The defaults of `medsearch trustmed bench`.
        public init() {}
    }

    /// The description of the suite shown by `medsearch trustmed bench --help`.
    public static let discussion = """
        Starts n storage nodes and an edge master as separate processes, uploads the images of --data that \
        carry one of --classes, and runs every one of them as a leave-one-out query through the encrypted \
        path (BFV Hamming distances, client-side top-k) and through a plaintext Hamming scan: the two \
        rankings must be identical. Then tops the database up to --latency-images images and times queries \
        (hashcode to decrypted top-10 images), kills n - m storage nodes during a query run, replaces them \
        and re-shares. Release build recommended.
        """

    let configuration: Configuration
    var data: String? { configuration.data }
    var nodes: Int { configuration.nodes }
    var threshold: Int { configuration.threshold }
    var bits: Int { configuration.bits }
    var hashBase: String { configuration.hashBase }
    var classes: String { configuration.classes }
    var latencyImages: Int { configuration.latencyImages }
    var rounds: Int { configuration.rounds }
    var maxQueries: Int? { configuration.maxQueries }
    var qualityOnly: Bool { configuration.qualityOnly }
    var parameterSet: String { configuration.parameterSet }

    /// Prepares a run.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    static let ks = Array(stride(from: 10, through: 100, by: 10))

    /// Runs every measurement; returns the report as JSON.
    public func run() async throws -> Data {
        guard threshold >= 2, threshold <= nodes, nodes <= 32 else { throw BenchmarkError.invalidArgument("need 2 <= m <= n <= 32") }
        guard rounds >= 1 else { throw BenchmarkError.invalidArgument("--rounds must be >= 1") }
        let dataURL: URL
        if let data { dataURL = URL(fileURLWithPath: data) } else {
            guard let shared = DataLocator.sharedData() else { throw BenchmarkError.invalidArgument("no --data and ../shared/data is absent") }
            dataURL = shared.appendingPathComponent("cxr-public")
        }
        let classList = classes.split(separator: ",").map(String.init)
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

        // 1. Client side: read, hash, keys.
        let dataset = try TrustMedDataset.load(dataURL)
        let inDatabase = dataset.entries.filter { !$0.labels.isDisjoint(with: classList) }
        let extra = dataset.entries.filter { $0.labels.isDisjoint(with: classList) }
        guard inDatabase.count > Self.ks.last! + 1 else { throw BenchmarkError.invalidArgument("only \(inDatabase.count) images carry \(classes)") }
        log("database: \(inDatabase.count) images with \(classes); \(extra.count) others for the latency top-up")
        let everything = inDatabase + extra
        let reading = ProgressReporter(label: "reading and hashing", total: everything.count)
        var bytesByID: [String: [UInt8]] = [:]
        var grays = [GrayImage]()
        for entry in everything {
            let bytes = Array(try Data(contentsOf: entry.url))
            bytesByID[entry.id] = bytes
            grays.append(try TrustMedDataset.grayImage(bytes))
        }
        let model = try TrustMedHashing.train(images: Array(grays.prefix(inDatabase.count)), bits: bits, base: hashBase)
        var codes: [String: [UInt8]] = [:]
        for (entry, gray) in zip(everything, grays) {
            codes[entry.id] = try TrustMedHashing.bits(of: gray, model: model)
            reading.advance()
        }
        let keygenStart = ContinuousClock.now
        let keys = try TrustMedDefaults.generateClientKeys(hashBits: bits, parameterSet: parameterSet)
        let client = try TrustMedDefaults.client(keys: keys)
        let keygenTime = ContinuousClock.now - keygenStart

        // 2. Servers.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("trustmed-bench-\(UUID().uuidString)")
        let cluster = try await TrustMedCluster.launch(executable: try configuration.executable ?? MedSearchExecutable.current(), directory: work,
                                                      nodeCount: nodes, threshold: threshold, nodeTimeout: .seconds(2))
        defer { try? FileManager.default.removeItem(at: work) }
        do {
            let report = try await measure(cluster: cluster, client: client, database: inDatabase, extra: extra,
                                           codes: codes, bytesByID: bytesByID, classList: classList, log: log,
                                           keygenTime: keygenTime, modelSummary: model.summary)
            await cluster.stop()
            return try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        } catch {
            await cluster.stop()
            throw error
        }
    }

    // swiftlint:disable:next function_body_length
    private func measure(cluster: TrustMedCluster, client: TrustMedClient, database: [TrustMedDataset.Entry],
                         extra: [TrustMedDataset.Entry], codes: [String: [UInt8]], bytesByID: [String: [UInt8]],
                         classList: [String], log: @escaping (String) -> Void, keygenTime: Duration,
                         modelSummary: String) async throws -> [String: Any] {
        let owner = TrustMedRemote(service: cluster.masterClient(role: .owner))
        let user = TrustMedRemote(service: cluster.masterClient(role: .user))
        try await owner.register(client.registration)

        // Upload the database.
        func upload(_ entries: [TrustMedDataset.Entry], label: String) async throws -> (seconds: Double, perRequest: [Double]) {
            let progress = ProgressReporter(label: label, total: entries.count)
            let images = entries.map { TrustMedClient.Image(recordID: $0.id, bytes: bytesByID[$0.id]!, hashcode: codes[$0.id]!) }
            let start = ContinuousClock.now
            var perRequest = [Double]()
            for request in try client.uploadRequests(for: images) {
                let t0 = ContinuousClock.now
                let response = try await owner.upload(request)
                perRequest.append((ContinuousClock.now - t0).trustMedSeconds)
                guard response.allStored else {
                    throw BenchmarkError.invalidArgument("upload failed: \(response.outcomes.first { $0.status == .failed }!.reason)")
                }
                progress.advance(by: request.items.count)
            }
            return ((ContinuousClock.now - start).trustMedSeconds, perRequest)
        }
        let databaseUpload = try await upload(database, label: "uploading database")

        // Accuracy: leave-one-out, encrypted and plaintext.
        let kMax = Self.ks.last!
        var queryIndices = Array(database.indices)
        if let maxQueries, maxQueries < database.count {
            queryIndices = (0..<maxQueries).map { $0 * database.count / maxQueries }
        }
        let labelsByID = Dictionary(uniqueKeysWithValues: database.map { ($0.id, $0.labels) })
        var classCounts: [String: Int] = [:]
        for entry in database { for c in classList where entry.labels.contains(c) { classCounts[c, default: 0] += 1 } }
        var encryptedSums = TrustMedMetricSums(classes: classList), plainSums = TrustMedMetricSums(classes: classList)
        let databaseIndex = try ExactSearch.HammingDatabase(ids: database.map(\.id),
                                                            codes: database.map { Hashcode(bits: codes[$0.id]!.map { $0 == 1 }) })
        var mismatches = 0, searchTimes = [Double]()
        let progress = ProgressReporter(label: "leave-one-out queries", total: queryIndices.count)
        for index in queryIndices {
            let query = database[index]
            let t0 = ContinuousClock.now
            let response = try await user.search(try client.searchRequest(hashcode: codes[query.id]!))
            let ranked = try client.rank(response, k: kMax + 1)
            searchTimes.append((ContinuousClock.now - t0).trustMedSeconds)
            let plain = TrustMedPlaintext.topK(query: codes[query.id]!, database: databaseIndex, k: kMax + 1)
            if ranked != plain { mismatches += 1 }
            let encryptedIDs = ranked.map(\.recordID).filter { $0 != query.id }.prefix(kMax)
            let plainIDs = plain.map(\.recordID).filter { $0 != query.id }.prefix(kMax)
            encryptedSums.add(query: query.labels, retrieved: Array(encryptedIDs), labels: labelsByID, counts: classCounts)
            plainSums.add(query: query.labels, retrieved: Array(plainIDs), labels: labelsByID, counts: classCounts)
            progress.advance()
        }
        log("encrypted and plaintext top-\(kMax + 1) identical on \(queryIndices.count - mismatches) of \(queryIndices.count) queries")

        let accuracy: [String: Any] = [
            "encrypted": encryptedSums.table(ks: Self.ks),
            "plaintext_hamming": plainSums.table(ks: Self.ks),
            "encrypted_equals_plaintext_topk": mismatches == 0,
            "queries_with_different_topk": mismatches,
            "chance_level": Dictionary(uniqueKeysWithValues: classList.map { ($0, Double(classCounts[$0] ?? 0) / Double(database.count)) }),
            "paper_table3_infiltration_k50": [
                "TrustMedSearch": ["P": 0.695, "R": 0.139, "F1": 0.233],
                "SLBP": ["P": 0.581, "R": 0.232, "F1": 0.332],
                "EdgeShield": ["P": 0.642, "R": 0.256, "F1": 0.365]],
        ]
        let parameters: [String: Any] = [
            "n": nodes, "m": threshold, "hash_bits": bits, "hash_base": hashBase, "hash_model": modelSummary,
            "bfv_parameters": parameterSet, "records_per_block": client.keyHolder.recordsPerBlock,
            "classes": classList, "database_images": database.count, "queries": queryIndices.count,
            "dataset": "cxr-public", "rounds_after_warmup": rounds,
            "note": "ITQ hash trained (unsupervised) on the database images; leave-one-out queries"]
        if qualityOnly {
            return ["suite": "trustmed", "machine": TrustMedBenchMachine.describe(),
                    "git_commit": TrustMedBenchMachine.gitCommit() as Any, "parameters": parameters, "accuracy": accuracy,
                    "search_rank_ms_median_during_accuracy": 1000 * trustMedMedian(searchTimes)]
        }

        // Top up to the latency database size and time queries.
        let topUp = Array(extra.prefix(max(0, latencyImages - database.count)))
        let topUpUpload = topUp.isEmpty ? (seconds: 0.0, perRequest: [Double]()) : try await upload(topUp, label: "uploading top-up")
        let stored = database + topUp
        let storedIndex = try ExactSearch.HammingDatabase(ids: stored.map(\.id),
                                                          codes: stored.map { Hashcode(bits: codes[$0.id]!.map { $0 == 1 }) })
        var latencies = [Double](), searchPart = [Double](), fetchPart = [Double](), plainLatencies = [Double]()
        var rng = SeededRandomNumberGenerator(seed: 2024)
        for round in 0...rounds {
            let query = stored[Int.random(in: 0..<stored.count, using: &rng)]
            let t0 = ContinuousClock.now
            let response = try await user.search(try client.searchRequest(hashcode: codes[query.id]!))
            let ranked = try client.rank(response, k: 10)
            let t1 = ContinuousClock.now
            let images = client.open(try await user.fetch(FetchRequest(recordIDs: ranked.map(\.recordID))))
            let t2 = ContinuousClock.now
            guard images.allSatisfy({ (try? $0.result.get()) == bytesByID[$0.recordID] }) else {
                throw BenchmarkError.invalidArgument("a retrieved image differs from the uploaded file")
            }
            let p0 = ContinuousClock.now
            let plain = TrustMedPlaintext.topK(query: codes[query.id]!, database: storedIndex, k: 10)
            let plainTime = (ContinuousClock.now - p0).trustMedSeconds
            guard plain == ranked else { throw BenchmarkError.invalidArgument("encrypted top-10 differs from plaintext top-10") }
            if round == 0 { continue }  // warm-up
            latencies.append((t2 - t0).trustMedSeconds)
            searchPart.append((t1 - t0).trustMedSeconds)
            fetchPart.append((t2 - t1).trustMedSeconds)
            plainLatencies.append(plainTime)
        }

        // Storage on the nodes.
        var nodeBytes = 0, nodeShares = 0
        for index in 0..<nodes {
            let usage = try await cluster.nodeUsage(index)
            nodeBytes += usage.bytes
            nodeShares += usage.shares
        }
        let status = try await user.status()

        let nodePorts = cluster.nodeURLs.map { $0.flatMap(TrustMedCluster.port(of:)) ?? 0 }

        // Node failures: kill n - m nodes during a query run, every query must still return the right images.
        var failureRng = SeededRandomNumberGenerator(seed: 77)
        let victims = Array((0..<nodes).shuffled(using: &failureRng).prefix(nodes - threshold)).sorted()
        var failureQueries = 0, failureCorrect = 0, failureLatencies = [Double]()
        for step in 0..<(2 * rounds + 2) {
            if step == 1 { for victim in victims { await cluster.killNode(victim) } }
            let query = stored[Int.random(in: 0..<stored.count, using: &failureRng)]
            let t0 = ContinuousClock.now
            let (ranked, images) = try await user.query(client: client, hashcode: codes[query.id]!, k: 10)
            if step >= 1 { failureLatencies.append((ContinuousClock.now - t0).trustMedSeconds) }
            let plain = TrustMedPlaintext.topK(query: codes[query.id]!, database: storedIndex, k: 10)
            failureQueries += 1
            if ranked == plain, images.allSatisfy({ (try? $0.result.get()) == bytesByID[$0.recordID] }) { failureCorrect += 1 }
        }
        log("killed nodes \(victims): \(failureCorrect) of \(failureQueries) queries returned the right images")

        // One more node down (fewer than m healthy): a clear error, never a wrong image.
        let extraVictim = (0..<nodes).first { !victims.contains($0) }!
        await cluster.killNode(extraVictim)
        let query = stored[0]
        let (_, degraded) = try await user.query(client: client, hashcode: codes[query.id]!, k: 10)
        let wrongImages = degraded.filter { if case let .success(bytes) = $0.result { bytes != bytesByID[$0.recordID] } else { false } }.count
        let refused = degraded.filter { if case .failure = $0.result { true } else { false } }.count
        let sampleError = degraded.compactMap { if case let .failure(error) = $0.result { error.description } else { nil } }.first ?? ""

        // The extra node restarts with its data (a crash); the n - m killed nodes are replaced by empty nodes at
        // the same addresses; re-sharing each regenerates its share of every record from m valid shares.
        _ = try await cluster.restartNode(extraVictim, generation: 0, port: nodePorts[extraVictim])
        for victim in victims { _ = try await cluster.restartNode(victim, generation: 1, port: nodePorts[victim]) }
        let reshareStart = ContinuousClock.now
        let admin = TrustMedRemote(service: cluster.masterClient(role: .admin))
        var reshareReports = [ReshareReport]()
        for victim in victims { reshareReports.append(try await admin.reshare(ReshareRequest(nodeIndex: victim))) }
        let reshareSeconds = (ContinuousClock.now - reshareStart).trustMedSeconds
        // Then kill n - m nodes that were never replaced: the replaced nodes must hold valid shares.
        let secondVictims = Array((0..<nodes).filter { !victims.contains($0) }.prefix(nodes - threshold))
        for victim in secondVictims { await cluster.killNode(victim) }
        var afterReshareCorrect = 0
        for _ in 0..<rounds {
            let query = stored[Int.random(in: 0..<stored.count, using: &failureRng)]
            let (ranked, images) = try await user.query(client: client, hashcode: codes[query.id]!, k: 10)
            let plain = TrustMedPlaintext.topK(query: codes[query.id]!, database: storedIndex, k: 10)
            if ranked == plain, images.allSatisfy({ (try? $0.result.get()) == bytesByID[$0.recordID] }) { afterReshareCorrect += 1 }
        }

        // Deletion while the n - m nodes above are down: deleted records are never returned; their shares on
        // the down nodes stay pending until the nodes are back, then one more delete call removes them.
        let doomed = stored.suffix(10).map(\.id)
        let deleteStart = ContinuousClock.now
        let deleteReport = try await owner.delete(recordIDs: doomed)
        let deleteSeconds = (ContinuousClock.now - deleteStart).trustMedSeconds
        var deletedReturned = 0
        for id in doomed {
            let (ranked, _) = try await user.query(client: client, hashcode: codes[id]!, k: 10)
            deletedReturned += ranked.filter { doomed.contains($0.recordID) }.count
        }
        for victim in secondVictims { _ = try await cluster.restartNode(victim, generation: 0, port: nodePorts[victim]) }
        let purgeReport = try await owner.delete(recordIDs: [])
        var sharesAfterDelete = [Int]()
        for index in 0..<nodes { sharesAfterDelete.append(try await cluster.nodeUsage(index).shares) }

        let sealedPerImage = Double(status.sealedBytes) / Double(max(status.records, 1))
        let nodeBytesPerImage = Double(nodeBytes) / Double(max(stored.count, 1))
        return [
            "suite": "trustmed",
            "machine": TrustMedBenchMachine.describe(),
            "git_commit": TrustMedBenchMachine.gitCommit() as Any,
            "parameters": parameters,
            "accuracy": accuracy,
            "latency": [
                "keygen_seconds": keygenTime.trustMedSeconds,
                "upload_per_image_ms": 1000 * databaseUpload.seconds / Double(database.count),
                "upload_per_request_ms_median": 1000 * trustMedMedian(databaseUpload.perRequest + topUpUpload.perRequest),
                "upload_images_per_request": client.keyHolder.recordsPerBlock,
                "search_rank_ms_median_during_accuracy": 1000 * trustMedMedian(searchTimes),
                "stored_images_for_query_timing": stored.count,
                "query_top10_ms_median": 1000 * trustMedMedian(latencies),
                "query_top10_ms_all": latencies.map { 1000 * $0 },
                "query_search_and_rank_ms_median": 1000 * trustMedMedian(searchPart),
                "query_fetch_rebuild_open_ms_median": 1000 * trustMedMedian(fetchPart),
                "target_query_ms": 1000,
                "reference_plaintext_hamming_top10_ms_median": 1000 * trustMedMedian(plainLatencies),
                "ratio_encrypted_to_plaintext": trustMedMedian(latencies) / max(trustMedMedian(plainLatencies), 1e-9),
                "query_top10_ms_median_with_n_minus_m_nodes_down": 1000 * trustMedMedian(failureLatencies),
            ],
            "storage": [
                "records": status.records,
                "sealed_bytes_per_image": sealedPerImage,
                "node_bytes_per_image_all_nodes": nodeBytesPerImage,
                "node_shares": nodeShares,
                "ratio_node_storage_to_sealed": nodeBytesPerImage / max(sealedPerImage, 1),
                "ideal_ratio_n_over_m": Double(nodes) / Double(threshold),
                "replication_ratio_n": Double(nodes),
            ],
            "failures": [
                "killed_nodes": victims,
                "queries_during_kill": failureQueries,
                "queries_with_right_images": failureCorrect,
                "fewer_than_m_healthy": ["wrong_images": wrongImages, "refused_records": refused, "sample_error": sampleError],
                "reshare": ["replaced_nodes": victims,
                            "records_rebuilt_per_node": reshareReports.map(\.rebuilt),
                            "shares_regenerated_per_node": reshareReports.map(\.regenerated),
                            "records_resplit_per_node": reshareReports.map(\.resplit),
                            "records_failed": reshareReports.map(\.failed.count).reduce(0, +),
                            "seconds_all_replaced_nodes": reshareSeconds],
                "queries_after_reshare_with_other_nodes_killed": rounds,
                "right_after_reshare": afterReshareCorrect,
                "killed_after_reshare": secondVictims,
            ],
            "delete": [
                "records_deleted": deleteReport.outcomes.filter { $0.status == .deleted }.count,
                "seconds": deleteSeconds,
                "nodes_down_during_delete": secondVictims,
                "shares_deleted_at_once": deleteReport.sharesDeleted,
                "shares_pending_while_nodes_down": deleteReport.sharesPending,
                "deleted_records_returned_by_queries": deletedReturned,
                "shares_deleted_after_nodes_restarted": purgeReport.sharesDeleted,
                "shares_pending_after": purgeReport.sharesPending,
                "shares_per_node_after": sharesAfterDelete,
                "records_left": stored.count - doomed.count,
            ],
        ]
    }
}

/// Sums of P@k and R@k per class over queries, as in the paper (and issue 3's evaluation).
struct TrustMedMetricSums {
    let classes: [String]
    var precision: [String: [Double]] = [:]
    var recall: [String: [Double]] = [:]
    var queries: [String: Int] = [:]

    init(classes: [String]) { self.classes = classes }

    mutating func add(query: Set<String>, retrieved: [String], labels: [String: Set<String>], counts: [String: Int]) {
        for c in classes where query.contains(c) {
            let relevant = max((counts[c] ?? 0) - 1, 1)
            var p = precision[c] ?? Array(repeating: 0, count: TrustMedBenchmark.ks.count)
            var r = recall[c] ?? Array(repeating: 0, count: TrustMedBenchmark.ks.count)
            for (i, k) in TrustMedBenchmark.ks.enumerated() {
                let hits = retrieved.prefix(k).filter { labels[$0]?.contains(c) ?? false }.count
                p[i] += Double(hits) / Double(k)
                r[i] += Double(hits) / Double(relevant)
            }
            precision[c] = p
            recall[c] = r
            queries[c, default: 0] += 1
        }
    }

    func table(ks: [Int]) -> [String: Any] {
        var out: [String: Any] = [:]
        for c in classes {
            let count = Double(max(queries[c] ?? 0, 1))
            var perK: [String: Any] = [:]
            for (i, k) in ks.enumerated() {
                let p = (precision[c]?[i] ?? 0) / count, r = (recall[c]?[i] ?? 0) / count
                perK[String(k)] = ["P": p, "R": r, "F1": p + r > 0 ? 2 * p * r / (p + r) : 0]
            }
            out[c] = ["queries": queries[c] ?? 0, "at_k": perK]
        }
        return out
    }
}

/// The machine and commit a benchmark ran on.
enum TrustMedBenchMachine {
    static func describe() -> [String: Any] {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        return ["cpu": model ?? "unknown", "cores": ProcessInfo.processInfo.activeProcessorCount]
    }

    static func gitCommit() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

func trustMedMedian(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

fileprivate extension Duration {
    /// The duration in seconds.
    var trustMedSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
