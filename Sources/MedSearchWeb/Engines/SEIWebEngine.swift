import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchFeatures
import MedSearchImaging
import MedSearchSecureKNN
import MedSearchSEI
import MedSearchTransport

/// SEI as the web application drives it: `medsearch serve sei` runs as its own process on loopback (the
/// untrusted cloud); this adapter is the data owner and the registered user. It extracts the SEI feature
/// (CNN descriptor when bundled, else LBP) from each analysis image, keeps the raw features and the owner's
/// state under `engines/sei/` (mode 0600: the hospital side is trusted), and uploads matrix-encrypted index
/// vectors. The PCA and index are rebuilt (GenIndex) whenever the collection has doubled since the last build;
/// in between, images are added to the nearest leaf (SEI's add operation).
public actor SEIWebEngine: WebEngine, TurnTakingEngine {
    public nonisolated let name = "sei"
    public nonisolated let title = "SEI (encrypted index tree, secure kNN)"
    public nonisolated let securityNote = """
        Feature vectors are encrypted with the secure-kNN matrix scheme: the cloud cannot read them but learns \
        the ranking scores and the tree path of every query (obfuscation, not semantic security).
        """

    /// The fewest images the index is built from (PCA needs more images than dimensions).
    static let minimumImages = 8
    /// The largest PCA output dimension.
    static let maximumDimension = 64

    private let directory: URL
    private let cloud: SEICloud
    private let ownerRemote: SEIRemote
    private let userRemote: SEIRemote
    private let model: FeatureModel
    private var owner: SEIOwner?
    private var user: SEIUser?
    private var features: SEIWebFeatureStore
    private var indexedCount: Int
    let turns = TurnQueue(maxWaiting: .max)

    /// Starts the SEI cloud with `launcher` (data under `directory/cloud`) and loads or creates the owner state.
    public static func start(directory: URL, launcher: RoleLauncher) async throws -> SEIWebEngine {
        try await start(directory: directory, servers: .launch(launcher))
    }

    /// Starts (or reaches, in a deployment) the SEI cloud and loads or creates the owner state.
    public static func start(directory: URL, servers: WebEngineServers) async throws -> SEIWebEngine {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let model = try FeatureRegistry.make(FeatureRegistry.names.contains("cnn") ? "cnn" : "lbp")
        let features = try SEIWebFeatureStore(file: directory.appendingPathComponent("features.json"))
        var owner: SEIOwner?
        if let bytes = try OwnerOnlyFile.readIfPresent(at: directory.appendingPathComponent("owner.key"), maxBytes: 1 << 30) {
            owner = try SEIOwner(serialized: bytes)
        }
        let cloud = try await servers.seiCloud(directory)
        do {
            let configuration = ClientConfiguration.standard.timeout(.seconds(600))
            let engine = SEIWebEngine(directory: directory, cloud: cloud,
                                      ownerRemote: SEIRemote(service: try cloud.client(role: .owner, configuration: configuration)),
                                      userRemote: SEIRemote(service: try cloud.client(role: .user, configuration: configuration)),
                                      model: model, owner: owner, features: features)
            try await engine.registerUser()
            return engine
        } catch {
            await cloud.stop()
            throw error
        }
    }

    private init(directory: URL, cloud: SEICloud, ownerRemote: SEIRemote, userRemote: SEIRemote,
                 model: FeatureModel, owner: SEIOwner?, features: SEIWebFeatureStore) {
        self.directory = directory
        self.cloud = cloud
        self.ownerRemote = ownerRemote
        self.userRemote = userRemote
        self.model = model
        self.owner = owner
        self.features = features
        indexedCount = owner?.index?.clusterOf.count ?? 0
    }

    public func ingest(_ items: [WebIngestItem]) async throws {
        try await exclusively { try await ingestNow(items) }
    }

    private func ingestNow(_ items: [WebIngestItem]) async throws {
        let extracted = try await WebCompute.run { [model] in items.map { ($0.id, model.extract($0.image)) } }
        for (id, feature) in extracted { features.values[id] = feature }
        try features.save()
        let total = features.values.count
        guard total >= Self.minimumImages else { return }  // built once enough images exist
        if var owner, owner.index != nil, total < 2 * indexedCount {
            let add = try owner.addImages(ids: extracted.map(\.0), features: extracted.map(\.1))
            try await ownerRemote.add(add)
            self.owner = owner
            try saveOwner()
            indexedCount = owner.index?.clusterOf.count ?? indexedCount
        } else {
            try await rebuild()
        }
    }

    /// GenKey (first time) and GenIndex over every stored feature; replaces the cloud's index.
    private func rebuild() async throws {
        let ids = features.values.keys.sorted()
        let raw = ids.map { features.values[$0]! }
        let dimension = min(Self.maximumDimension, model.dimension, ids.count - 1)
        let (next, upload) = try await WebCompute.run { [model] in
            var next = try SEIOwner.generate(configuration: SEIConfiguration(dimension: dimension))
            let upload = try next.buildIndex(ids: ids, features: raw, extractorKind: model.kind,
                                             extractor: model.serialized())
            return (next, upload)
        }
        try await ownerRemote.replaceIndex(upload)
        owner = next
        indexedCount = ids.count
        try saveOwner()
        try registerUser()
    }

    /// Registers the web server's SEI user with the owner (a fresh trapdoor key per start or rebuild).
    private func registerUser() throws {
        guard let owner, owner.model != nil else { user = nil; return }
        let secret = try SecureKNNUserSecret.generate(dimension: owner.configuration.dimension)
        user = try SEIUser(credentials: owner.register(secret.registrationRequest), secret: secret)
    }

    private func saveOwner() throws {
        guard let owner else { return }
        try OwnerOnlyFile.write(owner.serialized(), to: directory.appendingPathComponent("owner.key"))
    }

    public func search(_ query: GrayImage, k: Int) async throws -> [WebSearchHit] {
        try await exclusively { try await searchNow(query, k: k) }
    }

    private func searchNow(_ query: GrayImage, k: Int) async throws -> [WebSearchHit] {
        guard let user else {
            throw WebError.engineUnavailable("SEI builds its index once \(Self.minimumImages) images are stored")
        }
        let feature = try await WebCompute.run { [model] in model.extract(query) }
        let options = SEISearchOptions(k: min(k, indexedCount))
        return try await SEIClientFlows.query(user: user, feature: feature, options: options, fetch: false,
                                              remote: userRemote).hits.map {
            WebSearchHit(id: $0.id, score: Double($0.score), scoreKind: "SEI score (smaller is closer; scaled per query)")
        }
    }

    public func heldIDs() -> Set<String> { Set(features.values.keys) }

    public func shutdown() async {
        await cloud.stop()
    }
}

/// The raw SEI features of every stored image, kept on the trusted web server so the index can be rebuilt.
struct SEIWebFeatureStore: Sendable {
    let file: URL
    var values: [String: [Float]]

    init(file: URL) throws {
        self.file = file
        if let bytes = try OwnerOnlyFile.readIfPresent(at: file, maxBytes: 1 << 30) {
            values = try JSONDecoder().decode([String: [Float]].self, from: Data(bytes))
        } else {
            values = [:]
        }
    }

    func save() throws {
        try OwnerOnlyFile.write(try JSONEncoder().encode(values), to: file)
    }
}
