import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import MedSearchIndex
import MedSearchDeployment
import MedSearchTransport
import MedSearchTrustMed

/// `medsearch trustmed bench`: retrieval quality (P@k, R@k, F1 per finding, encrypted and plaintext), upload
/// and query latency, node storage and node-failure behaviour of TrustMedSearch on real processes.
@MemberwiseInit(.public)
public struct TrustMedBenchmark: Sendable {
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
        /// Images stored when timing queries: the real images first, then synthetic records
        /// (``TrustMedSyntheticRecords``) up to this count.
        public var latencyImages = 1000
        /// Bytes of each synthetic record's image.
        public var syntheticImageBytes = 1024
        /// Timed rounds (after one warm-up round).
        public var rounds = 5
        /// Use at most this many leave-one-out queries (evenly spread).
        public var maxQueries: Int?
        /// Measure retrieval quality only (skip latency, failures, re-sharing, deletion).
        public var qualityOnly = false
        /// BFV parameter set.
        public var parameterSet = TrustMedDefaults.defaultParameterSet
        /// The `medsearch` executable that runs the servers (default: the one beside this program).
        public var executable: URL?

        /// The defaults of `medsearch trustmed bench`.
        public init() {}
    }

    /// The report's suite-specific part.
    public struct Body: BenchmarkBody {
        public static let suite = "trustmed"
        public var parameters: TrustMedBenchParameters
        public var accuracy: TrustMedAccuracy
        /// Absent with --quality-only.
        public var latency: TrustMedLatency?
        public var storage: TrustMedStorage?
        public var failures: TrustMedFailures?
        public var delete: TrustMedDeletion?
    }

    /// The command's one-line help.
    public static let abstract = "Benchmark TrustMedSearch end to end on loopback processes (accuracy, latency, storage, failures)."
    /// The description of the suite shown by `medsearch trustmed bench --help`.
    public static let discussion = """
        Starts n storage nodes and an edge master as separate processes, uploads the images of --data that \
        carry one of --classes, and runs every one of them as a leave-one-out query through the encrypted \
        path (BFV Hamming distances, client-side top-k) and through a plaintext Hamming scan: the two \
        rankings must be identical. Then tops the database up to --latency-images (alias --images) images, \
        real ones first and then synthetic records (seeded random hashcodes and image bytes, uploaded through \
        the real upload path), and times unlinkable queries (hashcode to decrypted top-10 images, every \
        top-10 checked against the plaintext Hamming ranking); without synthetic records it then kills n - m \
        storage nodes during a query run, replaces them, re-shares and deletes. Release build recommended.
        """

    /// The cut-offs of the accuracy tables.
    static let ks = Array(stride(from: 10, through: 100, by: 10))
    /// The largest cut-off.
    static let kMax = 100

    let configuration: Configuration
    var console: BenchConsole = .standard

    /// Runs every measurement and returns the report.
    public func run() async throws -> BenchmarkReport<Body> {
        let nodes = configuration.nodes, threshold = configuration.threshold
        guard threshold >= 2, threshold <= nodes, nodes <= 32 else {
            throw BenchmarkError.invalidArgument("need 2 <= m <= n <= 32")
        }
        guard configuration.rounds >= 1 else { throw BenchmarkError.invalidArgument("--rounds must be >= 1") }
        let dataURL: URL
        if let data = configuration.data { dataURL = URL(fileURLWithPath: data) } else {
            guard let shared = DataLocator.sharedData() else {
                throw BenchmarkError.invalidArgument("no --data and ../shared/data is absent")
            }
            dataURL = shared.appendingPathComponent("cxr-public")
        }
        let environment = BenchEnvironment.current()
        let classList = configuration.classes.split(separator: ",").map(String.init)

        // 1. Client side: read, hash, keys.
        let dataset = try TrustMedDataset.load(dataURL)
        let inDatabase = dataset.entries.filter { !$0.labels.isDisjoint(with: classList) }
        let extra = dataset.entries.filter { $0.labels.isDisjoint(with: classList) }
        guard inDatabase.count > Self.kMax + 1 else {
            throw BenchmarkError.invalidArgument("only \(inDatabase.count) images carry \(configuration.classes)")
        }
        console.status("database: \(inDatabase.count) images with \(configuration.classes); \(extra.count) others for "
                       + "the latency top-up")
        let everything = inDatabase + extra
        let reading = ProgressReporter(label: "reading and hashing", total: everything.count)
        var bytesByID: [String: [UInt8]] = [:]
        var grays = [GrayImage]()
        for entry in everything {
            let bytes = Array(try Data(contentsOf: entry.url))
            bytesByID[entry.id] = bytes
            grays.append(try TrustMedDataset.grayImage(bytes))
        }
        let model = try TrustMedHashing.train(images: Array(grays.prefix(inDatabase.count)), bits: configuration.bits,
                                              base: configuration.hashBase)
        var codes: [String: [UInt8]] = [:]
        for (entry, gray) in zip(everything, grays) {
            codes[entry.id] = try TrustMedHashing.bits(of: gray, model: model)
            reading.advance()
        }
        let harness = BenchHarness(rounds: configuration.rounds, cpuScope: .process)
        let keygenStart = harness.read()
        let keys = try TrustMedDefaults.generateClientKeys(hashBits: configuration.bits,
                                                           parameterSet: configuration.parameterSet)
        let client = try TrustMedDefaults.client(keys: keys)
        let keygenSeconds = Double(harness.read().wall - keygenStart.wall) / 1e9

        // 2. Servers.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("trustmed-bench-\(UUID().uuidString)")
        let cluster = try await TrustMedCluster.launch(
            executable: try configuration.executable ?? MedSearchExecutable.current(), directory: work,
            nodeCount: nodes, threshold: threshold, nodeTimeout: .seconds(2))
        defer { try? FileManager.default.removeItem(at: work) }
        do {
            var run = TrustMedBenchRun(configuration: configuration, console: console, harness: harness, cluster: cluster,
                                       client: client, codes: codes, bytesByID: bytesByID)
            let parameters = TrustMedBenchParameters(
                n: nodes, m: threshold, hashBits: configuration.bits, hashBase: configuration.hashBase,
                hashModel: model.summary, bfvParameters: configuration.parameterSet,
                recordsPerBlock: client.keyHolder.recordsPerBlock, classes: classList, databaseImages: inDatabase.count,
                queries: 0, roundsAfterWarmup: configuration.rounds)
            let body = try await run.measure(database: inDatabase, extra: extra, classes: classList,
                                             parameters: parameters, keygenSeconds: keygenSeconds)
            await cluster.stop()
            return BenchmarkReport(method: harness.method + "; leave-one-out queries for the accuracy",
                                   environment: environment.finished(), body: body)
        } catch {
            await cluster.stop()
            throw error
        }
    }
}

/// What the TrustMedSearch benchmark ran with.
public struct TrustMedBenchParameters: Codable, Equatable, Sendable {
    public var n: Int
    public var m: Int
    public var hashBits: Int
    public var hashBase: String
    public var hashModel: String
    public var bfvParameters: String
    public var recordsPerBlock: Int
    public var classes: [String]
    public var databaseImages: Int
    public var queries: Int
    public var dataset = "cxr-public"
    public var roundsAfterWarmup: Int
    public var note = "ITQ hash trained (unsupervised) on the database images; leave-one-out queries"

    enum CodingKeys: String, CodingKey {
        case n, m, hashBits = "hash_bits", hashBase = "hash_base", hashModel = "hash_model"
        case bfvParameters = "bfv_parameters", recordsPerBlock = "records_per_block", classes
        case databaseImages = "database_images", queries, dataset, roundsAfterWarmup = "rounds_after_warmup", note
    }
}

/// Retrieval quality of the encrypted path and of a plaintext Hamming scan (computed by `RetrievalMetrics`:
/// P@k, R@k, F1, mAP@k with chance levels, per finding and macro mean).
public struct TrustMedAccuracy: Codable, Equatable, Sendable {
    /// Per-finding figures of the encrypted search, and their macro mean.
    public var encrypted: [ClassRetrievalResult]
    /// The same for the plaintext Hamming scan.
    public var plaintextHamming: [ClassRetrievalResult]
    /// Whether the encrypted top-k equalled the plaintext top-k on every query.
    public var encryptedEqualsPlaintextTopk: Bool
    /// Queries whose encrypted and plaintext top-k differed.
    public var queriesWithDifferentTopk: Int
    /// Search and ranking time per leave-one-out query (hashcode to ranked ids).
    public var searchAndRank: Timing
    /// The paper's Table III row for Infiltration at k = 50.
    public var paperTable3InfiltrationK50 = [
        "TrustMedSearch": ["P": 0.695, "R": 0.139, "F1": 0.233],
        "SLBP": ["P": 0.581, "R": 0.232, "F1": 0.332],
        "EdgeShield": ["P": 0.642, "R": 0.256, "F1": 0.365],
    ]

    enum CodingKeys: String, CodingKey {
        case encrypted, plaintextHamming = "plaintext_hamming", encryptedEqualsPlaintextTopk = "encrypted_equals_plaintext_topk"
        case queriesWithDifferentTopk = "queries_with_different_topk", searchAndRank = "search_and_rank"
        case paperTable3InfiltrationK50 = "paper_table3_infiltration_k50"
    }
}

/// Upload and query times.
public struct TrustMedLatency: Codable, Equatable, Sendable {
    public var keygenSeconds: Double
    public var uploadPerImageMilliseconds: Double
    /// Per upload request (of `uploadImagesPerRequest` images).
    public var uploadPerRequest: Timing
    public var uploadImagesPerRequest: Int
    public var storedImagesForQueryTiming: Int
    /// Hashcode to decrypted top-10 images, with the plaintext Hamming top-10 as reference and the 1 s target.
    public var queryTop10: Figure
    public var querySearchAndRank: Timing
    public var queryFetchRebuildOpen: Timing
    /// The unlinkable queries' figures: percentiles, bytes, the master's memory and database, the synthetic top-up.
    public var queryUnlinkable: TrustMedUnlinkableQueries
    /// Absent when the failure runs are skipped (a synthetic top-up).
    public var queryTop10WithNMinusMNodesDown: Timing?

    enum CodingKeys: String, CodingKey {
        case keygenSeconds = "keygen_seconds", uploadPerImageMilliseconds = "upload_per_image_ms"
        case uploadPerRequest = "upload_per_request", uploadImagesPerRequest = "upload_images_per_request"
        case storedImagesForQueryTiming = "stored_images_for_query_timing", queryTop10 = "query_top10"
        case querySearchAndRank = "query_search_and_rank", queryFetchRebuildOpen = "query_fetch_rebuild_open"
        case queryTop10WithNMinusMNodesDown = "query_top10_with_n_minus_m_nodes_down", queryUnlinkable = "query_unlinkable"
    }
}

/// What the nodes store.
public struct TrustMedStorage: Codable, Equatable, Sendable {
    public var records: Int
    public var sealedBytesPerImage: Double
    public var nodeBytesPerImageAllNodes: Double
    public var nodeShares: Int
    public var ratioNodeStorageToSealed: Double
    public var idealRatioNOverM: Double
    public var replicationRatioN: Double

    enum CodingKeys: String, CodingKey {
        case records, sealedBytesPerImage = "sealed_bytes_per_image", nodeBytesPerImageAllNodes = "node_bytes_per_image_all_nodes"
        case nodeShares = "node_shares", ratioNodeStorageToSealed = "ratio_node_storage_to_sealed"
        case idealRatioNOverM = "ideal_ratio_n_over_m", replicationRatioN = "replication_ratio_n"
    }
}

/// Node failures, the refusal below m healthy nodes, and re-sharing to replaced nodes.
public struct TrustMedFailures: Codable, Equatable, Sendable {
    public struct BelowThreshold: Codable, Equatable, Sendable {
        public var wrongImages: Int
        public var refusedRecords: Int
        public var sampleError: String

        enum CodingKeys: String, CodingKey {
            case wrongImages = "wrong_images", refusedRecords = "refused_records", sampleError = "sample_error"
        }
    }

    public struct Reshare: Codable, Equatable, Sendable {
        public var replacedNodes: [Int]
        public var recordsRebuiltPerNode: [Int]
        public var sharesRegeneratedPerNode: [Int]
        public var recordsResplitPerNode: [Int]
        public var recordsFailed: Int
        public var secondsAllReplacedNodes: Double

        enum CodingKeys: String, CodingKey {
            case replacedNodes = "replaced_nodes", recordsRebuiltPerNode = "records_rebuilt_per_node"
            case sharesRegeneratedPerNode = "shares_regenerated_per_node", recordsResplitPerNode = "records_resplit_per_node"
            case recordsFailed = "records_failed", secondsAllReplacedNodes = "seconds_all_replaced_nodes"
        }
    }

    public var killedNodes: [Int]
    public var queriesDuringKill: Int
    public var queriesWithRightImages: Int
    public var fewerThanMHealthy: BelowThreshold
    public var reshare: Reshare
    public var queriesAfterReshareWithOtherNodesKilled: Int
    public var rightAfterReshare: Int
    public var killedAfterReshare: [Int]

    enum CodingKeys: String, CodingKey {
        case killedNodes = "killed_nodes", queriesDuringKill = "queries_during_kill"
        case queriesWithRightImages = "queries_with_right_images", fewerThanMHealthy = "fewer_than_m_healthy", reshare
        case queriesAfterReshareWithOtherNodesKilled = "queries_after_reshare_with_other_nodes_killed"
        case rightAfterReshare = "right_after_reshare", killedAfterReshare = "killed_after_reshare"
    }
}

/// Deletion while n - m nodes are down, then the purge once they are back.
public struct TrustMedDeletion: Codable, Equatable, Sendable {
    public var recordsDeleted: Int
    public var seconds: Double
    public var nodesDownDuringDelete: [Int]
    public var sharesDeletedAtOnce: Int
    public var sharesPendingWhileNodesDown: Int
    public var deletedRecordsReturnedByQueries: Int
    public var sharesDeletedAfterNodesRestarted: Int
    public var sharesPendingAfter: Int
    public var sharesPerNodeAfter: [Int]
    public var recordsLeft: Int

    enum CodingKeys: String, CodingKey {
        case recordsDeleted = "records_deleted", seconds, nodesDownDuringDelete = "nodes_down_during_delete"
        case sharesDeletedAtOnce = "shares_deleted_at_once", sharesPendingWhileNodesDown = "shares_pending_while_nodes_down"
        case deletedRecordsReturnedByQueries = "deleted_records_returned_by_queries"
        case sharesDeletedAfterNodesRestarted = "shares_deleted_after_nodes_restarted"
        case sharesPendingAfter = "shares_pending_after", sharesPerNodeAfter = "shares_per_node_after"
        case recordsLeft = "records_left"
    }
}

extension TrustMedBenchmark: CommandDocumentation {}
