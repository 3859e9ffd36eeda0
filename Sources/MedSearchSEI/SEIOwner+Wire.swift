import MedSearchCore
import MedSearchIndex
import MedSearchSecureKNN

extension SEIOwner {
    static let magic = FormatMagic("SEIO")

    /// The owner's whole state (keys, feature model, plaintext index) in a versioned binary form.
    /// - Warning: Secret: holds `M`, `r`, `S`, `pi`, `theta`, `X` and `k_ie`. Store it with owner-only access.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.write(UInt32(configuration.dimension))
        writer.write(configuration.treeThreshold)
        writer.write(UInt32(configuration.affinitySampleSize))
        writer.write(UInt32(configuration.kMeansSampleSize))
        writer.writeBytes(key.serialized())
        imageKey.withUnsafeBytes { writer.writeBytes($0) }
        writer.write(model != nil)
        if let model { model.write(to: &writer) }
        writer.write(index != nil)
        if let index {
            writer.write(UInt32(index.leafCentres.count))
            for centre in index.leafCentres { writer.writeArray(centre) }
            writer.writeBytes(index.tree.serialized())
            writer.write(UInt32(index.nodeVectors.count))
            for vector in index.nodeVectors { writer.writeArray(vector) }
            writer.write(UInt32(index.clusterOf.count))
            for (id, cluster) in index.clusterOf.sorted(by: { $0.key < $1.key }) {
                writer.writeString(id)
                writer.write(UInt32(cluster))
            }
        }
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SEIError) {
        var reader = ByteReader(bytes)
        try reader.sei { try $0.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let dimension = Int(try reader.sei { try $0.read(UInt32.self) })
        let threshold = try reader.sei { try $0.readDouble() }
        let apSample = Int(try reader.sei { try $0.read(UInt32.self) })
        let kmSample = Int(try reader.sei { try $0.read(UInt32.self) })
        let configuration = SEIConfiguration(dimension: dimension, treeThreshold: threshold,
                                             affinitySampleSize: apSample, kMeansSampleSize: kmSample)
        try configuration.validate()
        let keyBytes = try reader.sei { try $0.readBytes(maxLength: SEIWireLimits.maxBlob) }
        let key = try wrapping { try SecureKNNOwnerKey(serialized: keyBytes) }
        guard key.dimension == dimension else { throw .featureDimensionMismatch(expected: dimension, actual: key.dimension) }
        var imageKeyBytes = try reader.sei { try $0.readBytes(maxLength: 32) }
        guard imageKeyBytes.count == 32 else { throw .malformedMessage("image key must be 32 bytes") }
        let imageKey = SecretBytes(imageKeyBytes)
        constantTimeWipe(&imageKeyBytes)
        var model: SEIFeatureModel?
        if try reader.sei({ try $0.readBool() }) { model = try SEIFeatureModel.read(from: &reader) }
        var index: SEIOwnerIndex?
        if try reader.sei({ try $0.readBool() }) {
            let leafCount = Int(try reader.sei { try $0.read(UInt32.self) })
            guard leafCount <= IndexTree.maxNodes, leafCount * 4 <= reader.remaining else { throw .malformedMessage("leaf count") }
            var centres = [[Double]]()
            for _ in 0..<leafCount {
                let centre = try reader.sei { try $0.readDoubleArray(maxCount: dimension) }
                guard centre.count == dimension, centre.allSatisfy(\.isFinite) else { throw .malformedMessage("leaf centre") }
                centres.append(centre)
            }
            let treeBytes = try reader.sei { try $0.readBytes(maxLength: SEIWireLimits.maxBlob) }
            let tree = try wrapping { try IndexTree(serialized: treeBytes) }
            guard tree.leafCount == leafCount else { throw .malformedMessage("tree has \(tree.leafCount) leaves, \(leafCount) centres") }
            let nodeCount = Int(try reader.sei { try $0.read(UInt32.self) })
            guard nodeCount == tree.nodes.count else { throw .malformedMessage("node vector count") }
            var vectors = [[Double]]()
            for _ in 0..<nodeCount {
                let vector = try reader.sei { try $0.readDoubleArray(maxCount: dimension) }
                guard vector.count == dimension, vector.allSatisfy(\.isFinite) else { throw .malformedMessage("node vector") }
                vectors.append(vector)
            }
            let count = Int(try reader.sei { try $0.read(UInt32.self) })
            guard count * 9 <= reader.remaining else { throw .malformedMessage("image count exceeds the data") }
            var clusterOf = [String: Int](minimumCapacity: count)
            for _ in 0..<count {
                let id = try reader.readID()
                let cluster = Int(try reader.sei { try $0.read(UInt32.self) })
                guard cluster < leafCount else { throw .malformedMessage("cluster out of range") }
                clusterOf[id] = cluster
            }
            index = SEIOwnerIndex(leafCentres: centres, tree: tree, nodeVectors: vectors, clusterOf: clusterOf)
        }
        try reader.sei { try $0.expectEnd() }
        self.init(configuration: configuration, key: key, imageKey: imageKey, model: model, index: index)
    }
}
