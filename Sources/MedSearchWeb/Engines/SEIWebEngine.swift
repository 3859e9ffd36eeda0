import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import MedSearchSecureKNN
import MedSearchSEI
import MedSearchServer

/// SEI as the web application drives it: `medsearch serve sei` runs as its own process on loopback (the
/// untrusted cloud); this adapter is the data owner and the registered user. It extracts the SEI feature
/// (CNN descriptor when bundled, else LBP) from each analysis image, keeps the raw features and the owner's
/// state under `engines/sei/` (mode 0600: the hospital side is trusted), and uploads matrix-encrypted index
/// vectors. The PCA and index are rebuilt (GenIndex) whenever the collection has doubled since the last build;
/// in between, images are added to the nearest leaf (SEI's add operation).
public actor SEIWebEngine: WebEngine {
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
    private let process: ServiceProcess
    private let ownerClient: ServiceClient
    private let userClient: ServiceClient
    private let model: FeatureModel
    private var owner: SEIOwner?
    private var user: SEIUser?
    private var features: SEIWebFeatureStore
    private var indexedCount: Int
    private var turns = WebEngineTurns()

    /// Starts the SEI cloud process (data under `directory/cloud`) and loads or creates the owner state.
    public static func start(directory: URL, executable: URL) async throws -> SEIWebEngine {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let (table, byRole) = AccessTokens.issue(roles: [.owner, .user, .admin])
        let tokenFile = directory.appendingPathComponent("tokens.json")
        try table.write(to: tokenFile)
        let model = try FeatureRegistry.make(FeatureRegistry.names.contains("cnn") ? "cnn" : "lbp")
        let features = try SEIWebFeatureStore(file: directory.appendingPathComponent("features.json"))
        var owner: SEIOwner?
        if let bytes = try? Data(contentsOf: directory.appendingPathComponent("owner.key")) {
            owner = try SEIOwner(serialized: Array(bytes))
        }
        let process = try await ServiceProcess.launch(
            executable: executable,
            arguments: ["serve", "sei", "--host", "127.0.0.1", "--port", "0",
                        "--data-dir", directory.appendingPathComponent("cloud").path, "--tokens", tokenFile.path])
        let engine = SEIWebEngine(directory: directory, process: process,
                                  ownerClient: ServiceClient(baseURL: process.url, token: byRole[.owner]!, timeout: .seconds(600)),
                                  userClient: ServiceClient(baseURL: process.url, token: byRole[.user]!, timeout: .seconds(600)),
                                  model: model, owner: owner, features: features)
        do { try await engine.registerUser() } catch {
            await process.terminate()
            throw error
        }
        return engine
    }

    private init(directory: URL, process: ServiceProcess, ownerClient: ServiceClient, userClient: ServiceClient,
                 model: FeatureModel, owner: SEIOwner?, features: SEIWebFeatureStore) {
        self.directory = directory
        self.process = process
        self.ownerClient = ownerClient
        self.userClient = userClient
        self.model = model
        self.owner = owner
        self.features = features
        indexedCount = owner?.index?.clusterOf.count ?? 0
    }

    private func acquire() async {
        if !turns.tryAcquire() { await withCheckedContinuation { turns.enqueue($0) } }
    }

    /// Runs `body` when no other operation of this engine is under way (actors re-enter at every `await`).
    private func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { turns.release() }
        return try await body()
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
            _ = try await ownerClient.post("/sei/v1/add", body: add.serialized())
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
        _ = try await ownerClient.post("/sei/v1/index", body: upload.serialized())
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
        try writeSecretFile(Data(owner.serialized()), to: directory.appendingPathComponent("owner.key"))
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
        let (request, pending) = try user.makeSearch(feature, options: options)
        let response = try SEISearchResponse(serialized: try await userClient.post("/sei/v1/search",
                                                                                  body: request.serialized()))
        return try user.results(from: response, for: pending).map {
            WebSearchHit(id: $0.id, score: Double($0.score), scoreKind: "SEI score (smaller is closer; scaled per query)")
        }
    }

    public func heldIDs() -> Set<String> { Set(features.values.keys) }

    public func shutdown() async {
        await process.terminate()
    }
}

/// The raw SEI features of every stored image, kept on the trusted web server so the index can be rebuilt.
struct SEIWebFeatureStore: Sendable {
    let file: URL
    var values: [String: [Float]]

    init(file: URL) throws {
        self.file = file
        if let data = try? Data(contentsOf: file) {
            values = try JSONDecoder().decode([String: [Float]].self, from: data)
        } else {
            values = [:]
        }
    }

    func save() throws {
        try writeSecretFile(try JSONEncoder().encode(values), to: file)
    }
}
