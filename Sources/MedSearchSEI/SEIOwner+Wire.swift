import MedSearchCore
import MedSearchIndex
import MedSearchSecureKNN

/// The owner's whole state (keys, feature model, plaintext index): `"SEIO"` v1, the configuration, the key
/// (embedded `"SKOK"`), the image key, then an optional feature model and an optional index.
///
/// - Warning: Secret: holds `M`, `r`, `S`, `pi`, `theta`, `X` and `k_ie`. Store it with owner-only access.
extension SEIOwner: WireMessage {
    public static let magic = FormatMagic("SEIO")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(configuration.dimension))
        writer.write(configuration.treeThreshold)
        writer.write(UInt32(configuration.affinitySampleSize))
        writer.write(UInt32(configuration.kMeansSampleSize))
        writer.writeEmbedded(key)
        imageKey.withUnsafeBytes { writer.writeBytes($0) }
        writer.write(model != nil)
        if let model { model.write(to: &writer) }
        writer.write(index != nil)
        if let index {
            writer.write(UInt32(index.leafCentres.count))
            for centre in index.leafCentres { writer.writeArray(centre) }
            writer.writeEmbedded(index.tree)
            writer.write(UInt32(index.nodeVectors.count))
            for vector in index.nodeVectors { writer.writeArray(vector) }
            writer.write(UInt32(index.clusterOf.count))
            for (id, cluster) in index.clusterOf.sorted(by: { $0.key < $1.key }) {
                writer.writeString(id)
                writer.write(UInt32(cluster))
            }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let dimension = Int(try reader.read(UInt32.self))
        let threshold = try reader.readDouble()
        let apSample = Int(try reader.read(UInt32.self))
        let kmSample = Int(try reader.read(UInt32.self))
        let configuration = SEIConfiguration(dimension: dimension, treeThreshold: threshold,
                                             affinitySampleSize: apSample, kMeansSampleSize: kmSample)
        try WireError.validating(at: start) { try configuration.validate() }
        let keyOffset = reader.offset
        let key = try reader.readEmbedded(SecureKNNOwnerKey.self, maxLength: SEIWireLimits.maxBlob)
        guard key.dimension == dimension else {
            throw .invalidValue(offset: keyOffset, reason: "key of dimension \(key.dimension), expected \(dimension)")
        }
        let imageKeyOffset = reader.offset
        var imageKeyBytes = try reader.readBytes(maxLength: 32)
        defer { constantTimeWipe(&imageKeyBytes) }
        guard imageKeyBytes.count == 32 else { throw .invalidValue(offset: imageKeyOffset, reason: "image key must be 32 bytes") }
        let imageKey = SecretBytes(imageKeyBytes)
        var model: SEIFeatureModel?
        if try reader.readBool() { model = try SEIFeatureModel.read(from: &reader) }
        var index: SEIOwnerIndex?
        if try reader.readBool() { index = try Self.readIndex(from: &reader, dimension: dimension) }
        self.init(configuration: configuration, key: key, imageKey: imageKey, model: model, index: index)
    }

    private static func readIndex(from reader: inout ByteReader, dimension: Int) throws(WireError) -> SEIOwnerIndex {
        let leafOffset = reader.offset
        let leafCount = try reader.readCount(minimumItemBytes: 4, limit: IndexTree.maxNodes)
        var centres = [[Double]]()
        for _ in 0..<leafCount { centres.append(try readVector(from: &reader, dimension: dimension, what: "leaf centre")) }
        let tree = try reader.readEmbedded(IndexTree.self, maxLength: SEIWireLimits.maxBlob)
        guard tree.leafCount == leafCount else {
            throw .invalidValue(offset: leafOffset, reason: "tree has \(tree.leafCount) leaves, \(leafCount) centres")
        }
        let nodeOffset = reader.offset
        let nodeCount = Int(try reader.read(UInt32.self))
        guard nodeCount == tree.nodes.count else { throw .invalidValue(offset: nodeOffset, reason: "node vector count") }
        var vectors = [[Double]]()
        for _ in 0..<nodeCount { vectors.append(try readVector(from: &reader, dimension: dimension, what: "node vector")) }
        let count = try reader.readCount(minimumItemBytes: 9, limit: SEIWireLimits.maxEntries)
        var clusterOf = [String: Int](minimumCapacity: count)
        for _ in 0..<count {
            let id = try reader.readID()
            let clusterOffset = reader.offset
            let cluster = Int(try reader.read(UInt32.self))
            guard cluster < leafCount else { throw .invalidValue(offset: clusterOffset, reason: "cluster out of range") }
            clusterOf[id] = cluster
        }
        return SEIOwnerIndex(leafCentres: centres, tree: tree, nodeVectors: vectors, clusterOf: clusterOf)
    }

    private static func readVector(from reader: inout ByteReader, dimension: Int, what: String) throws(WireError) -> [Double] {
        let start = reader.offset
        let vector = try reader.readDoubleArray(maxCount: dimension)
        guard vector.count == dimension, vector.allSatisfy(\.isFinite) else { throw .invalidValue(offset: start, reason: what) }
        return vector
    }
}
