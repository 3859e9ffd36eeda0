import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchFNN
import MedSearchFeatures
import MedSearchImaging
import MedSearchTransport

/// FNN as the web application drives it: `medsearch serve fnn-c2` and `serve fnn-c1` run as their own
/// processes on loopback (``FNNClouds``) (the two non-colluding clouds); this adapter is the data owner (it holds the owner
/// keys and deals the correlated randomness of the shared back end) and the authorised user (it opens the
/// sealed labels and exact distances). Each image becomes an integer vector (``FNNVectorizer``, by default
/// 16x16 pixels, d = 256); the record's sealed label is the web image id. The vectors stay on the trusted web
/// server (`engines/fnn/records.json`, mode 0600) because fresh correlation entries need them.
public actor FNNWebEngine: WebEngine, TurnTakingEngine {
    /// How the engine runs.
    @MemberwiseInit(.public)
    public struct Options: Sendable {
        /// Arithmetic back end: `.shared` (fast, additive secret sharing with owner-dealt correlations) or
        /// `.paillier` (the paper's construction, minutes per search at this size in debug builds).
        public var backend: FNNBackend = .shared
        /// How images become vectors (ignored when the engine's directory already holds one).
        public var vectorizer: FNNVectorizer = FNNVectorizer(feature: "pixels", side: 16, scale: 1, maxAbs: 255)
        /// Correlation entries dealt at a time (shared back end: every search consumes one).
        public var poolSize: Int = 8
    }

    public nonisolated let name = "fnn"
    public nonisolated let title: String
    public nonisolated let securityNote: String

    /// The vectoriser in use (tests recompute the plaintext reference with it).
    public nonisolated let vectorizer: FNNVectorizer
    private let model: FeatureModel
    private let directory: URL
    private let clouds: FNNClouds
    private let owner: FNNOwner
    private let user: FNNUser
    private let ownerC1: ServiceClient
    private let ownerC2: ServiceClient
    private let userC1: ServiceClient
    private let userC2: ServiceClient
    private let poolSize: Int
    private var records: [FNNWebRecord]
    let turns = TurnQueue(maxWaiting: .max)

    /// Starts C2 and C1 with `launcher` (data under `directory/c2` and `directory/c1`), loads or creates the owner
    /// keys and sends the set-ups the first time.
    public static func start(directory: URL, launcher: RoleLauncher, options: Options = Options()) async throws -> FNNWebEngine {
        try await start(directory: directory, servers: .launch(launcher), options: options)
    }

    /// Starts (or reaches, in a deployment) C2 and C1 and loads or creates the owner keys (see above).
    public static func start(directory: URL, servers: WebEngineServers, options: Options = Options()) async throws -> FNNWebEngine {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let vectorizer = (try? FNNVectorizer.load(from: directory)) ?? options.vectorizer
        let ownerFile = directory.appendingPathComponent(FNNKeyFiles.owner)
        let owner: FNNOwner
        if OwnerOnlyFile.exists(ownerFile) {
            var bytes = try FNNKeyFiles.readSecret(directory, FNNKeyFiles.owner)
            defer { constantTimeWipe(&bytes) }
            owner = try FNNOwner(keys: try FNNOwnerKeys(serialized: bytes))
        } else {
            let parameters = try FNNParameters(backend: options.backend, dimension: try vectorizer.dimension,
                                               maxAbsCoordinate: vectorizer.maxAbs)
            owner = try FNNOwner.generate(parameters: parameters)
            try vectorizer.write(to: directory)
            try FNNKeyFiles.writeSecret(owner.keys.serialized(), to: ownerFile)
        }
        let records = try FNNWebRecord.load(from: directory)
        let clouds = try await servers.fnnClouds(directory)
        do {
            let engine = try FNNWebEngine(directory: directory, clouds: clouds, owner: owner, vectorizer: vectorizer,
                                          poolSize: options.poolSize, records: records)
            try await engine.setUp()
            return engine
        } catch {
            await clouds.stop()
            throw error
        }
    }

    private init(directory: URL, clouds: FNNClouds, owner: FNNOwner, vectorizer: FNNVectorizer, poolSize: Int,
                 records: [FNNWebRecord]) throws {
        self.directory = directory
        self.clouds = clouds
        self.owner = owner
        user = try FNNUser(credentials: owner.userCredentials)
        let configuration = ClientConfiguration.standard.timeout(.seconds(600))
        (ownerC1, ownerC2) = try clouds.clients(role: .owner, configuration: configuration)
        (userC1, userC2) = try clouds.clients(role: .user, configuration: configuration)
        self.vectorizer = vectorizer
        model = try vectorizer.model()
        self.poolSize = max(1, poolSize)
        self.records = records
        let dimension = owner.parameters.dimension
        switch owner.parameters.backend {
        case .shared:
            title = "FNN (exact nearest neighbours, two clouds, shared back end, d = \(dimension))"
            securityNote = """
                Exact top-k. Secure only while the two clouds C1 and C2 do not collude (additive secret sharing with \
                correlations dealt by this server); they learn which records the lower bound pruned, the order of \
                blinded comparison keys and the ids of the returned records (C2 also sees candidates' ids).
                """
        case .paillier:
            title = "FNN (exact nearest neighbours, two clouds, Paillier, d = \(dimension))"
            securityNote = """
                Exact top-k. Semantically secure (Paillier, 2048-bit) while C1 and C2 do not collude; they learn which \
                records the lower bound pruned, the order of blinded comparison keys and the returned records' ids.
                """
        }
    }

    /// Sends the set-ups if C1 has none yet (a fresh data directory).
    private func setUp() async throws {
        let status = try await FNNClientFlows.status(c1: ownerC1)
        guard !status.configured else {
            guard status.dimension == owner.parameters.dimension else {
                throw WebError.engineUnavailable("FNN's C1 holds d = \(status.dimension ?? 0), the keys d = \(owner.parameters.dimension)")
            }
            return
        }
        try await FNNClientFlows.upload(owner: owner, records: [], allRecords: [], pool: 0, c1: ownerC1, c2: ownerC2,
                                        sendSetup: true, progress: false)
    }

    public func ingest(_ items: [WebIngestItem]) async throws {
        try await exclusively {
            let firstID = (records.map(\.id).max() ?? 0) + 1
            let fresh = try items.enumerated().map { index, item in
                FNNWebRecord(id: firstID + UInt64(index), webID: item.id, vector: try vectorizer.vector(of: item.image, model: model))
            }
            let inputs = fresh.map(\.input)
            // New records get C2's rows for the correlation entries not yet consumed; no fresh entries here.
            try await FNNClientFlows.upload(owner: owner, records: inputs, allRecords: records.map(\.input) + inputs, pool: 0,
                                            c1: ownerC1, c2: ownerC2, sendSetup: false, progress: false)
            records += fresh
            try FNNWebRecord.save(records, to: directory)
        }
    }

    public func search(_ query: GrayImage, k: Int) async throws -> [WebSearchHit] {
        try await exclusively {
            guard !records.isEmpty else { throw WebError.engineUnavailable("FNN holds no images yet") }
            let vector = try vectorizer.vector(of: query, model: model)
            if owner.parameters.backend == .shared {
                let c1Status = try await FNNClientFlows.status(c1: ownerC1)
                if c1Status.unusedEntries.isEmpty {
                    let next = max(c1Status.nextEntry, try await FNNClientFlows.status(c2: ownerC2).nextEntry)
                    try await FNNClientFlows.replenish(owner: owner, entries: next..<(next + UInt64(poolSize)), c1: ownerC1,
                                                       c2: ownerC2, progress: false, records: records.map(\.input))
                }
            }
            let (hits, _) = try await FNNClientFlows.query(user: user, vector: vector, k: min(k, records.count),
                                                           c1: userC1, c2: userC2)
            return hits.map {
                WebSearchHit(id: $0.label, score: Double($0.squaredDistance),
                             scoreKind: "squared distance (exact, \(vectorizer.feature) \(vectorizer.side)x\(vectorizer.side))")
            }
        }
    }

    public func heldIDs() -> Set<String> { Set(records.map(\.webID)) }

    /// The plaintext exact top-k over the same vectors, as (web id, squared distance): the reference the
    /// encrypted search must reproduce (ties broken by FNN record id, that is upload order).
    public func plaintextTopK(_ query: GrayImage, k: Int) throws -> [(id: String, squaredDistance: Int64)] {
        let vector = try vectorizer.vector(of: query, model: model)
        let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.webID) })
        return FNNPlaintextSearch.topK(query: vector, records: records.map { ($0.id, $0.vector) }, k: k).map {
            (byID[$0.id] ?? "", $0.squaredDistance)
        }
    }

    public func shutdown() async {
        await clouds.stop()
    }
}

/// One image as FNN holds it: record id, web image id and its integer vector (kept on the trusted web server).
struct FNNWebRecord: Codable, Sendable {
    var id: UInt64
    var webID: String
    var vector: [Int64]

    var input: FNNRecordInput { FNNRecordInput(id: id, vector: vector, label: webID) }

    static func load(from directory: URL) throws -> [FNNWebRecord] {
        guard let bytes = try OwnerOnlyFile.readIfPresent(at: directory.appendingPathComponent("records.json"),
                                                           maxBytes: 1 << 30) else { return [] }
        return try JSONDecoder().decode([FNNWebRecord].self, from: Data(bytes))
    }

    static func save(_ records: [FNNWebRecord], to directory: URL) throws {
        try OwnerOnlyFile.write(try JSONEncoder().encode(records), to: directory.appendingPathComponent("records.json"))
    }
}
