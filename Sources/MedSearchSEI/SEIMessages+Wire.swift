import MedSearchCore
import MedSearchFeatures
import MedSearchIndex
import MedSearchSecureKNN

/// Decoding limits: bounded allocations for any input.
enum SEIWireLimits {
    static let maxEncryptedDimension = 2 * 4096 + 2
    static let maxEntries = 50_000_000
    static let maxTrapdoors = 64
    static let maxIDBytes = 256
    static let maxBlob = 1 << 30
    static let maxImageRequest = 100_000
}

extension ByteWriter {
    mutating func writeFloats(_ values: [Float]) {
        for value in values { write(value.bitPattern) }
    }

    /// Writes a list of image ids: a count, then each id as a string.
    mutating func writeIDs(_ ids: [String]) { writeList(ids) { $0.writeString($1) } }
}

extension ByteReader {
    /// Reads `count` finite floats after checking the remaining length.
    mutating func readFloats(count: Int) throws(WireError) -> [Float] {
        guard count >= 0, remaining >= count * 4 else { throw .truncated(offset: offset, needed: count * 4, available: remaining) }
        var values = [Float]()
        values.reserveCapacity(count)
        for _ in 0..<count {
            let start = offset
            let value = try readFloat()
            guard value.isFinite else { throw .invalidValue(offset: start, reason: "vector value is not finite") }
            values.append(value)
        }
        return values
    }

    /// Reads a non-empty image id.
    mutating func readID() throws(WireError) -> String {
        let start = offset
        let id = try readString(maxLength: SEIWireLimits.maxIDBytes)
        guard !id.isEmpty else { throw .invalidValue(offset: start, reason: "empty image id") }
        return id
    }

    /// Reads a list written by ``ByteWriter/writeIDs(_:)``, at most `limit` ids (each at least 5 bytes).
    mutating func readIDs(limit: Int) throws(WireError) -> [String] {
        try readList(minimumItemBytes: 5, limit: limit) { reader throws(WireError) in try reader.readID() }
    }

    /// Reads an encrypted dimension: even, at least 4.
    mutating func readEncryptedDimension() throws(WireError) -> Int {
        let start = offset
        let dimension = Int(try read(UInt32.self))
        guard dimension >= 4, dimension % 2 == 0, dimension <= SEIWireLimits.maxEncryptedDimension else {
            throw .invalidValue(offset: start, reason: "encrypted dimension \(dimension)")
        }
        return dimension
    }

    /// Reads index entries of `dimension`-float vectors.
    mutating func readEntries(dimension: Int) throws(WireError) -> [SEIIndexEntry] {
        // Each entry takes at least 4 (id length) + 1 + 4 + 4 * dimension bytes.
        let count = try readCount(minimumItemBytes: 9 + 4 * dimension, limit: SEIWireLimits.maxEntries)
        var entries = [SEIIndexEntry]()
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let id = try readID()
            let cluster = Int(try read(UInt32.self))
            entries.append(SEIIndexEntry(id: id, cluster: cluster, vector: try readFloats(count: dimension)))
        }
        return entries
    }
}

extension SEIIndexEntry {
    func write(to writer: inout ByteWriter) {
        writer.writeString(id)
        writer.write(UInt32(cluster))
        writer.writeFloats(vector)
    }
}

/// The owner's index upload: `"SEIU"` v1, the encrypted dimension, the tree (embedded `"SITR"`), one vector per
/// node, then the entries (id, leaf, vector).
extension SEIIndexUpload: WireMessage {
    public static let magic = FormatMagic("SEIU")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(encryptedDimension))
        writer.writeEmbedded(tree)
        writer.write(UInt32(nodeVectors.count))
        for vector in nodeVectors { writer.writeFloats(vector) }
        writer.write(UInt32(entries.count))
        for entry in entries { entry.write(to: &writer) }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let dimension = try reader.readEncryptedDimension()
        let tree = try reader.readEmbedded(IndexTree.self, maxLength: SEIWireLimits.maxBlob)
        let start = reader.offset
        let nodeCount = Int(try reader.read(UInt32.self))
        guard nodeCount == tree.nodes.count else {
            throw .invalidValue(offset: start, reason: "\(nodeCount) node vectors for \(tree.nodes.count) nodes")
        }
        var nodeVectors = [[Float]]()
        for _ in 0..<nodeCount { nodeVectors.append(try reader.readFloats(count: dimension)) }
        self.init(encryptedDimension: dimension, tree: tree, nodeVectors: nodeVectors,
                  entries: try reader.readEntries(dimension: dimension))
    }
}

/// Images added after the index was built: `"SEIA"` v1, the encrypted dimension, then the entries.
extension SEIAddImages: WireMessage {
    public static let magic = FormatMagic("SEIA")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(entries.first?.vector.count ?? 4))
        writer.write(UInt32(entries.count))
        for entry in entries { entry.write(to: &writer) }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let dimension = try reader.readEncryptedDimension()
        self.init(entries: try reader.readEntries(dimension: dimension))
    }
}

/// A message that is a list of image ids: version 1, the ids (count, then each id), at most ``maxIDs`` of them.
public protocol SEIImageIDList: WireMessage {
    /// The ids.
    var ids: [String] { get }
    /// The most ids a decoder accepts.
    static var maxIDs: Int { get }
    /// Creates the message.
    init(ids: [String])
}

extension SEIImageIDList {
    public static var version: UInt16 { 1 }

    public func encode(to writer: inout ByteWriter) { writer.writeIDs(ids) }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        self.init(ids: try reader.readIDs(limit: Self.maxIDs))
    }
}

/// Images to delete: `"SEID"` v1, the ids.
extension SEIDeleteImages: SEIImageIDList {
    public static let magic = FormatMagic("SEID")
    public static var maxIDs: Int { SEIWireLimits.maxEntries }
}

/// A search: `"SEIQ"` v1, the options (k, mode, strategy, limits), then the trapdoors (doubles).
extension SEISearchRequest: WireMessage {
    public static let magic = FormatMagic("SEIQ")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(options.k))
        writer.write(options.mode.rawValue)
        writer.write(UInt8(options.strategy == .depthFirst ? 0 : 1))
        writer.write(UInt32(options.minCandidates))
        writer.write(UInt32(options.minLeaves))
        writer.write(UInt32(trapdoors.first?.count ?? 4))
        writer.write(UInt32(trapdoors.count))
        for trapdoor in trapdoors { for value in trapdoor { writer.write(value) } }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let k = Int(try reader.read(UInt32.self))
        let mode = try reader.readTag(SEISearchMode.self, "unknown search mode")
        let strategyOffset = reader.offset
        let strategyByte = try reader.read(UInt8.self)
        guard strategyByte <= 1 else { throw .invalidValue(offset: strategyOffset, reason: "unknown tree strategy") }
        let minCandidates = Int(try reader.read(UInt32.self))
        let minLeaves = Int(try reader.read(UInt32.self))
        let dimension = try reader.readEncryptedDimension()
        let countOffset = reader.offset
        let count = try reader.readCount(minimumItemBytes: dimension * 8, limit: SEIWireLimits.maxTrapdoors)
        guard count >= 1 else { throw .invalidValue(offset: countOffset, reason: "no trapdoor") }
        var trapdoors = [[Double]]()
        for _ in 0..<count {
            var trapdoor = [Double]()
            for _ in 0..<dimension {
                let valueOffset = reader.offset
                let value = try reader.readDouble()
                guard value.isFinite else { throw .invalidValue(offset: valueOffset, reason: "trapdoor value is not finite") }
                trapdoor.append(value)
            }
            trapdoors.append(trapdoor)
        }
        let options = SEISearchOptions(k: k, mode: mode, strategy: strategyByte == 0 ? .depthFirst : .bestFirst,
                                       minCandidates: minCandidates, minLeaves: minLeaves)
        try WireError.validating(at: start) { try options.validate() }
        self.init(options: options, trapdoors: trapdoors)
    }
}

/// Search results: `"SEIR"` v1, the work counters, then per trapdoor the hits (id, score as a float).
extension SEISearchResponse: WireMessage {
    public static let magic = FormatMagic("SEIR")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt64(scoredImages))
        writer.write(UInt64(scoredNodes))
        writer.write(UInt32(results.count))
        for list in results {
            writer.write(UInt32(list.count))
            for hit in list {
                writer.writeString(hit.id)
                writer.write(hit.score)
            }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let images = Int(truncatingIfNeeded: try reader.read(UInt64.self))
        let nodes = Int(truncatingIfNeeded: try reader.read(UInt64.self))
        let lists = try reader.readCount(minimumItemBytes: 4, limit: SEIWireLimits.maxTrapdoors)
        var results = [[SEIHit]]()
        for _ in 0..<lists {
            let count = try reader.readCount(minimumItemBytes: 9, limit: SEIWireLimits.maxEntries)
            var hits = [SEIHit]()
            hits.reserveCapacity(count)
            for _ in 0..<count {
                let id = try reader.readID()
                hits.append(SEIHit(id: id, score: try reader.readFloat()))
            }
            results.append(hits)
        }
        self.init(results: results, scoredImages: max(0, images), scoredNodes: max(0, nodes))
    }
}

extension SEIFeatureModel {
    /// Writes the model inside a larger format (no header of its own): kind, extractor bytes, the PCA (embedded
    /// `"PCA1"`), the scale.
    func write(to writer: inout ByteWriter) {
        writer.writeString(extractorKind)
        writer.writeBytes(extractor)
        writer.writeEmbedded(pca)
        writer.write(scale)
    }

    static func read(from reader: inout ByteReader) throws(WireError) -> SEIFeatureModel {
        let kind = try reader.readString(maxLength: 256)
        let extractor = try reader.readBytes(maxLength: SEIWireLimits.maxBlob)
        let pca = try reader.readEmbedded(PCA.self, maxLength: SEIWireLimits.maxBlob)
        let start = reader.offset
        let scale = try reader.readDouble()
        guard scale > 0, scale.isFinite else { throw .invalidValue(offset: start, reason: "feature scale must be positive") }
        return SEIFeatureModel(extractorKind: kind, extractor: extractor, pca: pca, scale: scale)
    }
}

/// A user's credentials: `"SEIC"` v1, the grant (embedded `"SKGR"`), the image key, the feature model (secret: it
/// holds the image key).
extension SEIUserCredentials: WireMessage {
    public static let magic = FormatMagic("SEIC")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.writeEmbedded(grant)
        writer.writeBytes(imageKey)
        model.write(to: &writer)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let grant = try reader.readEmbedded(SecureKNNUserGrant.self, maxLength: SEIWireLimits.maxBlob)
        let key = try reader.readBytes(exactly: 32, "image key must be 32 bytes")
        let modelOffset = reader.offset
        let model = try SEIFeatureModel.read(from: &reader)
        guard model.dimension == grant.abar.columns else {
            throw .invalidValue(offset: modelOffset,
                                reason: "feature dimension \(model.dimension), the grant's is \(grant.abar.columns)")
        }
        self.init(grant: grant, imageKey: key, model: model)
    }
}

/// Sealed images: `"SEIB"` v1, then per image its id and sealed bytes.
extension SEISealedImages: WireMessage {
    public static let magic = FormatMagic("SEIB")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(images.count))
        for image in images {
            writer.writeString(image.id)
            writer.writeBytes(image.sealed)
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let count = try reader.readCount(minimumItemBytes: 9, limit: SEIWireLimits.maxEntries)
        var images = [SealedImage]()
        for _ in 0..<count {
            let id = try reader.readID()
            images.append(SealedImage(id: id, sealed: try reader.readBytes(maxLength: SEIWireLimits.maxBlob)))
        }
        self.init(images: images)
    }
}

/// Images to fetch: `"SEIF"` v1, the ids (at most 100,000).
extension SEIImageRequest: SEIImageIDList {
    public static let magic = FormatMagic("SEIF")
    public static var maxIDs: Int { SEIWireLimits.maxImageRequest }
}

extension SEIIndexEntry {
    /// The encrypted vector as little-endian float bytes (for storage).
    public var vectorBytes: [UInt8] {
        var writer = ByteWriter(capacity: vector.count * 4)
        writer.writeFloats(vector)
        return writer.bytes
    }

    /// Rebuilds an entry from stored parts.
    public init(id: String, cluster: Int, vectorBytes: [UInt8]) throws(SEIError) {
        guard vectorBytes.count % 4 == 0 else { throw .malformedMessage("stored vector length \(vectorBytes.count)") }
        var reader = ByteReader(vectorBytes)
        do {
            self.init(id: id, cluster: cluster, vector: try reader.readFloats(count: vectorBytes.count / 4))
        } catch {
            throw .wire(error)
        }
    }
}
