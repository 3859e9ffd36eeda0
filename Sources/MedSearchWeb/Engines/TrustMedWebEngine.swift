import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchFeatures
import MedSearchImaging
import MedSearchTransport
import MedSearchTrustMed

/// TrustMedSearch as the web application drives it: an edge master and `nodeCount` storage nodes run as their
/// own processes on loopback (``TrustMedCluster``); this adapter is the client (owner and clinician). It keeps
/// the BFV secret key, the sealing and tag keys (`client.key`, 0600) and the hash model (`hash.model`) under
/// `engines/trustmed/`. The hash model (ITQ over LBP) is trained once, when `minimumImages` images have arrived
/// (earlier images wait, kept on the web server in `pending/`); from then on every image is hashed with it, its
/// hashcode BFV-encrypted and its de-identified file sealed and uploaded (the master splits it into m-of-n
/// shares). A search ranks by encrypted Hamming distance and rebuilds each result's image from any m shares.
public actor TrustMedWebEngine: WebEngine, WebImageSource, TurnTakingEngine {
    /// How the engine runs.
    @MemberwiseInit(.public)
    public struct Options: Sendable {
        /// Storage nodes (n).
        public var nodeCount: Int = 5
        /// Shares needed to rebuild an image (m).
        public var threshold: Int = 3
        /// Images needed before the hash model is trained (more than the code length).
        public var minimumImages: Int = 24
        /// The base feature the ITQ hash is learnt on.
        public var hashBase: String = TrustMedHashing.defaultBase
        /// BFV parameter set (`n4096`: 128-bit security; `insecureN1024` for unit tests only).
        public var parameterSet: String = TrustMedDefaults.defaultParameterSet
    }

    public nonisolated let name = "trustmed"
    public nonisolated let title: String
    public nonisolated let securityNote: String

    private let directory: URL
    private let options: Options
    private let cluster: TrustMedCluster
    private let ownerRemote: TrustMedRemote
    private let userRemote: TrustMedRemote
    private var client: TrustMedClient?
    private var model: FeatureModel?
    private var codes: [String: [UInt8]]
    private var pending: [WebIngestItem]
    let turns = TurnQueue(maxWaiting: .max)

    /// Starts the storage nodes and the edge master with `launcher` (data under `directory/cluster`) and loads the client's keys
    /// and hash model if an earlier run created them.
    public static func start(directory: URL, launcher: RoleLauncher, options: Options = Options()) async throws -> TrustMedWebEngine {
        try await start(directory: directory, servers: .launch(launcher), options: options)
    }

    /// Starts (or reaches, in a deployment: m and n are the deployment's) the edge master and storage nodes and
    /// loads the client's keys and hash model (see above).
    public static func start(directory: URL, servers: WebEngineServers, options: Options = Options()) async throws -> TrustMedWebEngine {
        var options = options
        if case let .deployment(deployment, _) = servers, let threshold = deployment.file.trustmed?.threshold {
            options.threshold = threshold
            options.nodeCount = deployment.storageNodeURLs.count
        }
        guard options.nodeCount >= options.threshold, options.threshold >= 1 else {
            throw WebError.engineUnavailable("TrustMedSearch needs 1 <= m <= n (m = \(options.threshold), n = \(options.nodeCount))")
        }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("pending"),
                                                withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let state = try TrustMedWebState.load(from: directory)
        let cluster = try await servers.trustMedCluster(directory.appendingPathComponent("cluster"), options: options)
        do {
            let engine = TrustMedWebEngine(directory: directory, options: options, cluster: cluster, state: state)
            try await engine.registerKeys()
            return engine
        } catch {
            await cluster.stop()
            throw error
        }
    }

    private init(directory: URL, options: Options, cluster: TrustMedCluster, state: TrustMedWebState) {
        self.directory = directory
        self.options = options
        self.cluster = cluster
        ownerRemote = TrustMedRemote(service: cluster.masterClient(role: .owner))
        userRemote = TrustMedRemote(service: cluster.masterClient(role: .user))
        client = state.client
        model = state.model
        codes = state.codes
        pending = state.pending
        title = "TrustMedSearch (BFV-encrypted hashcodes, \(options.threshold)-of-\(options.nodeCount) image shares)"
        securityNote = """
            Hashcodes are BFV-encrypted (\(TrustMedDefaults.isSecure(parameterSet: options.parameterSet) ? "128-bit security" : "an INSECURE test parameter set")) \
            and images sealed (AES-256-GCM) and split into \(options.threshold)-of-\(options.nodeCount) shares: fewer than \
            \(options.threshold) storage nodes learn nothing; the edge master sees which records are fetched and the \
            number of images. Ranking is by Hamming distance of learnt hashcodes (approximate similarity).
            """
    }

    /// Registers the stored keys with the master (idempotent: the same fingerprint).
    private func registerKeys() async throws {
        if let client { try await ownerRemote.register(client.registration) }
    }

    /// Images uploaded to the master so far.
    public var uploadedCount: Int { codes.count }

    /// The hashcode length once trained.
    public var hashBits: Int? { model?.dimension }

    public func ingest(_ items: [WebIngestItem]) async throws {
        try await exclusively {
            if let client, let model {
                try await upload(items, client: client, model: model)
                return
            }
            for item in items { try TrustMedWebState.savePending(item, in: directory) }
            pending += items
            guard pending.count >= options.minimumImages else { return }
            // Train the hash model on every image so far, then create and register the client's keys.
            let bits = Self.codeLength(for: pending.count)
            let (images, base, parameterSet) = (pending.map(\.image), options.hashBase, options.parameterSet)
            let (trained, keys, fresh) = try await WebCompute.run {
                let trained = try TrustMedHashing.train(images: images, bits: bits, base: base)
                let keys = try TrustMedDefaults.generateClientKeys(hashBits: bits, parameterSet: parameterSet)
                return (trained, keys, try TrustMedDefaults.client(keys: keys))
            }
            try await ownerRemote.register(fresh.registration)
            try TrustMedWebState.saveKeys(keys, model: trained, in: directory)
            client = fresh
            model = trained
            try await upload(pending, client: fresh, model: trained)
            pending = []
            try TrustMedWebState.clearPending(in: directory)
        }
    }

    public func heldIDs() -> Set<String> { Set(codes.keys).union(pending.map(\.id)) }

    /// The code length for a training set of `count` images: a multiple of 8 in 16...64, fewer bits than images.
    static func codeLength(for count: Int) -> Int { min(64, max(16, (count / 2) / 8 * 8)) }

    private func upload(_ items: [WebIngestItem], client: TrustMedClient, model: FeatureModel) async throws {
        // Hashing, sealing and BFV encryption off the cooperative threads.
        let (hashed, requests) = try await WebCompute.run {
            var hashed: [String: [UInt8]] = [:]
            var images: [TrustMedClient.Image] = []
            for item in items {
                let code = try TrustMedHashing.bits(of: item.image, model: model)
                hashed[item.id] = code
                let bytes = item.bytes.isEmpty ? PNGWriter.encode(item.image) : item.bytes
                images.append(TrustMedClient.Image(recordID: item.id, bytes: bytes, hashcode: code))
            }
            return (hashed, try client.uploadRequests(for: images))
        }
        for request in requests {
            let response = try await ownerRemote.upload(request)
            if let failed = response.outcomes.first(where: { $0.status == .failed }) {
                throw WebError.engineUnavailable("TrustMedSearch could not store \(failed.recordID): \(failed.reason)")
            }
            for item in request.items { codes[item.recordID] = hashed[item.recordID] }
        }
        try TrustMedWebState.saveCodes(codes, in: directory)
    }

    public func search(_ query: GrayImage, k: Int) async throws -> [WebSearchHit] {
        try await exclusively {
            guard let client, let model, !codes.isEmpty else {
                throw WebError.engineUnavailable(
                    "TrustMedSearch trains its hash model once \(options.minimumImages) images are stored (\(pending.count) so far)")
            }
            let code = try await WebCompute.run { try TrustMedHashing.bits(of: query, model: model) }
            let (ranked, retrieved) = try await userRemote.query(client: client, hashcode: code, k: min(k, codes.count))
            let rebuilt = Dictionary(retrieved.map { ($0.recordID, $0.result) }, uniquingKeysWith: { first, _ in first })
            return ranked.map { hit in
                let detail: String
                switch rebuilt[hit.recordID] {
                case .success?: detail = "image rebuilt from \(options.threshold) of \(options.nodeCount) shares"
                case let .failure(error)?: detail = "image not rebuilt: \(error)"
                case nil: detail = "image not fetched"
                }
                return WebSearchHit(id: hit.recordID, score: Double(hit.distance),
                                    scoreKind: "Hamming distance (of \(model.dimension) bits)", detail: detail)
            }
        }
    }

    /// The stored files of `ids`, each rebuilt by the edge master from m of the n storage nodes' shares and opened
    /// with the client's sealing key (requests of at most ``TrustMedLimits/maxRecordsPerFetch`` ids). An id the
    /// master cannot give back (not uploaded yet, too few nodes) has no entry.
    public func retrieve(_ ids: [String]) async throws -> [String: [UInt8]] {
        try await exclusively {
            guard let client else { return [:] }
            var opened: [String: [UInt8]] = [:]
            let uploaded = ids.filter { codes[$0] != nil }
            for start in stride(from: 0, to: uploaded.count, by: TrustMedLimits.maxRecordsPerFetch) {
                let chunk = Array(uploaded[start..<min(start + TrustMedLimits.maxRecordsPerFetch, uploaded.count)])
                for item in client.open(try await userRemote.fetch(FetchRequest(recordIDs: chunk))) {
                    if case let .success(bytes) = item.result { opened[item.recordID] = bytes }
                }
            }
            return opened
        }
    }

    /// The plaintext Hamming top-k over the same hashcodes: the reference the encrypted ranking must reproduce.
    /// Ties are broken by increasing record id, as in the encrypted ranking.
    public func plaintextTopK(_ query: GrayImage, k: Int) throws -> [(id: String, distance: Int)] {
        guard let model else { return [] }
        let ids = codes.keys.sorted()
        return try TrustMedPlaintext.topK(query: try TrustMedHashing.bits(of: query, model: model), ids: ids, codes: codes, k: k)
            .map { ($0.recordID, $0.distance) }
    }

    /// Kills storage node `index` (tests: searches must survive n - m node failures).
    public func killStorageNode(_ index: Int) async {
        await cluster.killNode(index)
    }

    public func shutdown() async {
        await cluster.stop()
    }
}
