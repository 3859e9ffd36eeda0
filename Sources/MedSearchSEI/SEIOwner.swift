import MedSearchCore
import MedSearchFeatures
import MedSearchIndex
import MedSearchSecureKNN

/// The data owner of SEI: key generation with user registration (GenKey), index generation (GenIndex:
/// PCA to d, CAK-means, the hierarchical tree, matrix encryption of every image and node vector), image
/// sealing (EncImage) and index maintenance (add and delete images after the index is built).
///
/// All operations are message-in/message-out: the results are values to send to the cloud or to a user.
///
/// ```swift
/// var owner = try SEIOwner.generate(configuration: .init(dimension: 128))
/// let upload = try owner.buildIndex(ids: ids, features: rawFeatures)        // -> cloud
/// let sealed = try owner.sealImage(pngBytes, id: ids[0])                    // -> cloud
/// let credentials = try owner.register(userSecret.registrationRequest)      // -> user
/// ```
///
/// - Warning: The matrix encryption is obfuscation against a ciphertext-only cloud, not provably secure:
///   about `d + 1` known (feature, encrypted vector) pairs reveal `M^-1`, and a user colluding with the cloud
///   hands it `A` and `U`.
public struct SEIOwner: Sendable {
    /// The deployment parameters.
    public let configuration: SEIConfiguration
    /// The secret matrix key.
    public let key: SecureKNNOwnerKey
    /// The image key `k_ie`.
    public let imageKey: SecretBytes
    /// The feature pipeline, once an index was built.
    public internal(set) var model: SEIFeatureModel?
    /// The plaintext index state, once an index was built.
    public internal(set) var index: SEIOwnerIndex?

    /// GenKey: a fresh matrix key (system CSPRNG) and image key.
    public static func generate(configuration: SEIConfiguration = SEIConfiguration()) throws(SEIError) -> SEIOwner {
        try configuration.validate()
        let key = try wrapping { try SecureKNNOwnerKey.generate(dimension: configuration.dimension) }
        return SEIOwner(configuration: configuration, key: key, imageKey: SEIImageCipher.generateKey(), model: nil, index: nil)
    }

    /// GenKey with a caller-supplied generator (tests; production uses ``generate(configuration:)``).
    public static func generate(configuration: SEIConfiguration,
                                using generator: inout some RandomNumberGenerator) throws(SEIError) -> SEIOwner {
        try configuration.validate()
        let key = try wrapping { try SecureKNNOwnerKey.generate(dimension: configuration.dimension, using: &generator) }
        let imageKey = SecretBytes(SecureRandom.bytes(32, using: &generator))
        return SEIOwner(configuration: configuration, key: key, imageKey: imageKey, model: nil, index: nil)
    }

    init(configuration: SEIConfiguration, key: SecureKNNOwnerKey, imageKey: SecretBytes,
         model: SEIFeatureModel?, index: SEIOwnerIndex?) {
        self.configuration = configuration
        self.key = key
        self.imageKey = imageKey
        self.model = model
        self.index = index
    }

    /// Registration (the second half of GenKey): returns `Abar = A W^-1`, `U`, `k_ie` and the feature model.
    /// - Throws: ``SEIError/indexNotBuilt`` before GenIndex (users need the PCA), or a key error for a bad `W`.
    public func register(_ request: SecureKNNRegistrationRequest) throws(SEIError) -> SEIUserCredentials {
        guard let model else { throw .indexNotBuilt }
        let grant = try wrapping { try key.register(request) }
        return SEIUserCredentials(grant: grant, imageKey: imageKey.copyBytes(), model: model)
    }

    /// EncImage: seals one image under `k_ie`, bound to its id.
    public func sealImage(_ image: [UInt8], id: String) throws(SEIError) -> [UInt8] {
        try SEIImageCipher(key: imageKey).seal(image, id: id)
    }

    /// GenIndex: fits PCA (to `d` dimensions) on `features`, clusters with CAK-means, builds the tree and
    /// encrypts every node and image vector.
    ///
    /// - Parameters:
    ///   - ids: image ids (unique, 1...256 UTF-8 bytes).
    ///   - features: raw feature vectors (for example CNN descriptors), at least `d` long.
    ///   - extractorKind: the extractor's name, passed on to users.
    ///   - extractor: the extractor's serialized description, passed on to users.
    ///   - progress: optional progress reporting (one unit per image encrypted).
    /// - Returns: the message for the cloud. Replaces any previous index.
    public mutating func buildIndex(ids: [String], features: [[Float]], extractorKind: String = "",
                                    extractor: [UInt8] = [], progress: ProgressReporter? = nil) throws(SEIError) -> SEIIndexUpload {
        guard ids.count == features.count else { throw .invalidParameter("\(ids.count) ids for \(features.count) features") }
        guard ids.count >= 2 else { throw .tooFewImages(got: ids.count, needed: 2) }
        try Self.validate(ids: ids)
        let rawDimension = features[0].count
        guard rawDimension >= configuration.dimension else {
            throw .featureDimensionMismatch(expected: configuration.dimension, actual: rawDimension)
        }
        for feature in features where feature.count != rawDimension {
            throw .featureDimensionMismatch(expected: rawDimension, actual: feature.count)
        }
        let d = configuration.dimension
        let pca = try wrapping { try PCA.fit(features, outputDimension: d) }
        let variance = pca.explainedVariances.reduce(0, +)
        let scale = variance > 0 ? (Double(d) / variance).squareRoot() : 1
        let model = SEIFeatureModel(extractorKind: extractorKind, extractor: extractor, pca: pca, scale: scale)
        var reduced = [[Double]]()
        reduced.reserveCapacity(features.count)
        for feature in features { reduced.append(try model.reduce(feature)) }
        let (index, upload) = try Self.buildEncryptedIndex(ids: ids, reduced: reduced, key: key,
                                                            configuration: configuration, progress: progress)
        self.model = model
        self.index = index
        return upload
    }

    /// The clustering, tree and encryption steps of GenIndex over already reduced features (also used by
    /// benchmarks with synthetic features).
    public static func buildEncryptedIndex(ids: [String], reduced: [[Double]], key: SecureKNNOwnerKey,
                                           configuration: SEIConfiguration,
                                           progress: ProgressReporter? = nil) throws(SEIError) -> (SEIOwnerIndex, SEIIndexUpload) {
        let options = CAKMeans.Options(affinitySampleSize: configuration.affinitySampleSize,
                                       kMeansSampleSize: configuration.kMeansSampleSize)
        let clustering = try wrapping { try CAKMeans.fit(reduced, options: options) }
        let build = try wrapping { try IndexTree.build(leafCentres: clustering.centres, threshold: configuration.treeThreshold) }
        let nodeVectors = try wrapping { try build.nodeVectors.map { try key.encryptIndexVector($0).map(Float.init) } }
        var entries = [SEIIndexEntry]()
        entries.reserveCapacity(ids.count)
        var clusterOf = [String: Int](minimumCapacity: ids.count)
        for (i, id) in ids.enumerated() {
            let vector = try wrapping { try key.encryptIndexVector(reduced[i]) }
            entries.append(SEIIndexEntry(id: id, cluster: clustering.assignments[i], vector: vector.map(Float.init)))
            clusterOf[id] = clustering.assignments[i]
            progress?.advance()
        }
        let index = SEIOwnerIndex(leafCentres: clustering.centres, tree: build.tree, nodeVectors: build.nodeVectors,
                                  clusterOf: clusterOf)
        let upload = SEIIndexUpload(encryptedDimension: key.encryptedDimension, tree: build.tree,
                                    nodeVectors: nodeVectors, entries: entries)
        return (index, upload)
    }

    /// Adds images after the index was built: each goes to the leaf with the nearest plaintext centre
    /// (centres are not moved; rebuild the index after many additions to re-balance it).
    /// - Throws: ``SEIError/indexNotBuilt``, ``SEIError/duplicateImage(_:)``, feature errors.
    public mutating func addImages(ids: [String], features: [[Float]]) throws(SEIError) -> SEIAddImages {
        guard let model, var index else { throw .indexNotBuilt }
        guard ids.count == features.count else { throw .invalidParameter("\(ids.count) ids for \(features.count) features") }
        try Self.validate(ids: ids)
        var entries = [SEIIndexEntry]()
        for (id, feature) in zip(ids, features) {
            guard index.clusterOf[id] == nil else { throw .duplicateImage(id) }
            let reduced = try model.reduce(feature)
            let cluster = KMeans.nearestCentre(of: reduced, in: index.leafCentres)
            let vector = try wrapping { try key.encryptIndexVector(reduced) }
            entries.append(SEIIndexEntry(id: id, cluster: cluster, vector: vector.map(Float.init)))
        }
        for entry in entries { index.clusterOf[entry.id] = entry.cluster }
        self.index = index
        return SEIAddImages(entries: entries)
    }

    /// Records entries the cloud already holds (a re-run of an upload that was cut after the cloud stored them): each
    /// id joins the owner's index at the leaf the cloud holds it in, so later adds skip it and deletes find it.
    /// - Throws: ``SEIError/indexNotBuilt``, or ``SEIError/invalidParameter(_:)`` for a leaf the index lacks
    ///   (nothing is recorded then).
    public mutating func adoptStored(_ entries: [SEIIndexEntry]) throws(SEIError) {
        guard var index else { throw .indexNotBuilt }
        for entry in entries where !(0..<index.leafCentres.count).contains(entry.cluster) {
            throw .invalidParameter("the cloud holds \(entry.id) in leaf \(entry.cluster) of \(index.leafCentres.count)")
        }
        for entry in entries { index.clusterOf[entry.id] = entry.cluster }
        self.index = index
    }

    /// Deletes images from the index.
    /// - Throws: ``SEIError/indexNotBuilt`` or ``SEIError/unknownImage(_:)`` (nothing is deleted then).
    public mutating func deleteImages(ids: [String]) throws(SEIError) -> SEIDeleteImages {
        guard var index else { throw .indexNotBuilt }
        for id in ids where index.clusterOf[id] == nil { throw .unknownImage(id) }
        guard Set(ids).count == ids.count else { throw .invalidParameter("an id is listed twice") }
        for id in ids { index.clusterOf[id] = nil }
        self.index = index
        return SEIDeleteImages(ids: ids)
    }

    /// Checks ids: non-empty, at most 256 UTF-8 bytes, unique.
    static func validate(ids: [String]) throws(SEIError) {
        var seen = Set<String>()
        for id in ids {
            guard !id.isEmpty, id.utf8.count <= 256 else { throw .invalidParameter("image ids must have 1...256 bytes") }
            guard seen.insert(id).inserted else { throw .duplicateImage(id) }
        }
    }
}

/// The owner's plaintext view of its index: leaf centres, the tree, node vectors and each image's leaf.
public struct SEIOwnerIndex: Sendable, Equatable {
    /// The K leaf centres (reduced, scaled feature space).
    public var leafCentres: [[Double]]
    /// The tree.
    public var tree: IndexTree
    /// The plaintext vector of each node.
    public var nodeVectors: [[Double]]
    /// The leaf of each indexed image.
    public var clusterOf: [String: Int]
}
