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
}

extension ByteWriter {
    mutating func writeFloats(_ values: [Float]) {
        for value in values { write(value.bitPattern) }
    }
}

extension ByteReader {
    /// Reads `count` floats after checking the remaining length.
    mutating func readFloats(count: Int) throws(SEIError) -> [Float] {
        guard count >= 0, remaining >= count * 4 else { throw .malformedMessage("truncated vector at offset \(offset)") }
        var values = [Float]()
        values.reserveCapacity(count)
        for _ in 0..<count {
            guard let bits = try? read(UInt32.self) else { throw .malformedMessage("truncated vector") }
            let value = Float(bitPattern: bits)
            guard value.isFinite else { throw .malformedMessage("vector value is not finite") }
            values.append(value)
        }
        return values
    }

    mutating func readID() throws(SEIError) -> String {
        let id = try sei { try $0.readString(maxLength: SEIWireLimits.maxIDBytes) }
        guard !id.isEmpty else { throw .malformedMessage("empty image id") }
        return id
    }

    /// Runs a wire read, mapping errors to ``SEIError/malformedMessage(_:)``.
    @discardableResult
    mutating func sei<T>(_ body: (inout ByteReader) throws -> T) throws(SEIError) -> T {
        do {
            return try body(&self)
        } catch let error as SEIError {
            throw error
        } catch {
            throw .malformedMessage(String(describing: error))
        }
    }
}

extension SEIIndexEntry {
    func write(to writer: inout ByteWriter) {
        writer.writeString(id)
        writer.write(UInt32(cluster))
        writer.writeFloats(vector)
    }

    static func read(from reader: inout ByteReader, dimension: Int) throws(SEIError) -> SEIIndexEntry {
        let id = try reader.readID()
        let cluster = Int(try reader.sei { try $0.read(UInt32.self) })
        return SEIIndexEntry(id: id, cluster: cluster, vector: try reader.readFloats(count: dimension))
    }
}

func readEntries(_ reader: inout ByteReader, dimension: Int) throws(SEIError) -> [SEIIndexEntry] {
    let count = Int(try reader.sei { try $0.read(UInt32.self) })
    // Each entry takes at least 4 (id length) + 1 + 4 + 4 * dimension bytes.
    guard count <= SEIWireLimits.maxEntries, count * (9 + 4 * dimension) <= reader.remaining else {
        throw .malformedMessage("entry count \(count) exceeds the data")
    }
    var entries = [SEIIndexEntry]()
    entries.reserveCapacity(count)
    for _ in 0..<count { entries.append(try SEIIndexEntry.read(from: &reader, dimension: dimension)) }
    return entries
}

func readDimension(_ reader: inout ByteReader) throws(SEIError) -> Int {
    let dimension = Int(try reader.sei { try $0.read(UInt32.self) })
    guard dimension >= 4, dimension % 2 == 0, dimension <= SEIWireLimits.maxEncryptedDimension else {
        throw .malformedMessage("encrypted dimension \(dimension)")
    }
    return dimension
}

extension SEIIndexUpload {
    static let magic = FormatMagic("SEIU")

    /// The versioned binary form.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + (nodeVectors.count + entries.count) * (encryptedDimension * 4 + 32))
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.write(UInt32(encryptedDimension))
        writer.writeBytes(tree.serialized())
        writer.write(UInt32(nodeVectors.count))
        for vector in nodeVectors { writer.writeFloats(vector) }
        writer.write(UInt32(entries.count))
        for entry in entries { entry.write(to: &writer) }
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SEIError) {
        var reader = ByteReader(bytes)
        try reader.sei { try $0.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let dimension = try readDimension(&reader)
        let treeBytes = try reader.sei { try $0.readBytes(maxLength: SEIWireLimits.maxBlob) }
        let tree = try wrapping { try IndexTree(serialized: treeBytes) }
        let nodeCount = Int(try reader.sei { try $0.read(UInt32.self) })
        guard nodeCount == tree.nodes.count else { throw .malformedMessage("\(nodeCount) node vectors for \(tree.nodes.count) nodes") }
        var nodeVectors = [[Float]]()
        for _ in 0..<nodeCount { nodeVectors.append(try reader.readFloats(count: dimension)) }
        let entries = try readEntries(&reader, dimension: dimension)
        try reader.sei { try $0.expectEnd() }
        self.init(encryptedDimension: dimension, tree: tree, nodeVectors: nodeVectors, entries: entries)
    }
}

extension SEIAddImages {
    static let magic = FormatMagic("SEIA")

    /// The versioned binary form.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.write(UInt32(entries.first?.vector.count ?? 4))
        writer.write(UInt32(entries.count))
        for entry in entries { entry.write(to: &writer) }
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SEIError) {
        var reader = ByteReader(bytes)
        try reader.sei { try $0.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let dimension = try readDimension(&reader)
        let entries = try readEntries(&reader, dimension: dimension)
        try reader.sei { try $0.expectEnd() }
        self.init(entries: entries)
    }
}

extension SEIDeleteImages {
    static let magic = FormatMagic("SEID")

    /// The versioned binary form.
    public func serialized() -> [UInt8] { SEIIDList.serialize(ids, magic: Self.magic) }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SEIError) {
        self.init(ids: try SEIIDList.decode(bytes, magic: Self.magic, limit: nil))
    }
}

extension SEISearchRequest {
    static let magic = FormatMagic("SEIQ")

    /// The versioned binary form.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.write(UInt32(options.k))
        writer.write(options.mode.rawValue)
        writer.write(UInt8(options.strategy == .depthFirst ? 0 : 1))
        writer.write(UInt32(options.minCandidates))
        writer.write(UInt32(options.minLeaves))
        writer.write(UInt32(trapdoors.first?.count ?? 4))
        writer.write(UInt32(trapdoors.count))
        for trapdoor in trapdoors { for value in trapdoor { writer.write(value) } }
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SEIError) {
        var reader = ByteReader(bytes)
        try reader.sei { try $0.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let k = Int(try reader.sei { try $0.read(UInt32.self) })
        guard let mode = SEISearchMode(rawValue: try reader.sei { try $0.read(UInt8.self) }) else {
            throw .malformedMessage("unknown search mode")
        }
        let strategyByte = try reader.sei { try $0.read(UInt8.self) }
        guard strategyByte <= 1 else { throw .malformedMessage("unknown tree strategy") }
        let minCandidates = Int(try reader.sei { try $0.read(UInt32.self) })
        let minLeaves = Int(try reader.sei { try $0.read(UInt32.self) })
        let dimension = try readDimension(&reader)
        let count = Int(try reader.sei { try $0.read(UInt32.self) })
        guard count >= 1, count <= SEIWireLimits.maxTrapdoors, count * dimension * 8 <= reader.remaining else {
            throw .malformedMessage("trapdoor count \(count) out of range")
        }
        var trapdoors = [[Double]]()
        for _ in 0..<count {
            var trapdoor = [Double]()
            for _ in 0..<dimension {
                let value = try reader.sei { try $0.readDouble() }
                guard value.isFinite else { throw .malformedMessage("trapdoor value is not finite") }
                trapdoor.append(value)
            }
            trapdoors.append(trapdoor)
        }
        try reader.sei { try $0.expectEnd() }
        let options = SEISearchOptions(k: k, mode: mode, strategy: strategyByte == 0 ? .depthFirst : .bestFirst,
                                       minCandidates: minCandidates, minLeaves: minLeaves)
        try options.validate()
        self.init(options: options, trapdoors: trapdoors)
    }
}

extension SEISearchResponse {
    static let magic = FormatMagic("SEIR")

    /// The versioned binary form.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
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
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SEIError) {
        var reader = ByteReader(bytes)
        try reader.sei { try $0.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let images = Int(truncatingIfNeeded: try reader.sei { try $0.read(UInt64.self) })
        let nodes = Int(truncatingIfNeeded: try reader.sei { try $0.read(UInt64.self) })
        let lists = Int(try reader.sei { try $0.read(UInt32.self) })
        guard lists <= SEIWireLimits.maxTrapdoors else { throw .malformedMessage("\(lists) result lists") }
        var results = [[SEIHit]]()
        for _ in 0..<lists {
            let count = Int(try reader.sei { try $0.read(UInt32.self) })
            guard count * 9 <= reader.remaining else { throw .malformedMessage("hit count \(count) exceeds the data") }
            var hits = [SEIHit]()
            for _ in 0..<count {
                let id = try reader.readID()
                let score = try reader.sei { try $0.readFloat() }
                hits.append(SEIHit(id: id, score: score))
            }
            results.append(hits)
        }
        try reader.sei { try $0.expectEnd() }
        self.init(results: results, scoredImages: max(0, images), scoredNodes: max(0, nodes))
    }
}

extension SEIFeatureModel {
    func write(to writer: inout ByteWriter) {
        writer.writeString(extractorKind)
        writer.writeBytes(extractor)
        writer.writeBytes(pca.serialized())
        writer.write(scale)
    }

    static func read(from reader: inout ByteReader) throws(SEIError) -> SEIFeatureModel {
        let kind = try reader.sei { try $0.readString(maxLength: 256) }
        let extractor = try reader.sei { try $0.readBytes(maxLength: SEIWireLimits.maxBlob) }
        let pcaBytes = try reader.sei { try $0.readBytes(maxLength: SEIWireLimits.maxBlob) }
        let pca = try wrapping { try PCA(serialized: pcaBytes) }
        let scale = try reader.sei { try $0.readDouble() }
        guard scale > 0, scale.isFinite else { throw .malformedMessage("feature scale must be positive") }
        return SEIFeatureModel(extractorKind: kind, extractor: extractor, pca: pca, scale: scale)
    }
}

extension SEIUserCredentials {
    static let magic = FormatMagic("SEIC")

    /// The versioned binary form (secret: it holds the image key).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.writeBytes(grant.serialized())
        writer.writeBytes(imageKey)
        model.write(to: &writer)
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SEIError) {
        var reader = ByteReader(bytes)
        try reader.sei { try $0.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let grantBytes = try reader.sei { try $0.readBytes(maxLength: SEIWireLimits.maxBlob) }
        let grant = try wrapping { try SecureKNNUserGrant(serialized: grantBytes) }
        let key = try reader.sei { try $0.readBytes(maxLength: 32) }
        guard key.count == 32 else { throw .malformedMessage("image key must be 32 bytes") }
        let model = try SEIFeatureModel.read(from: &reader)
        try reader.sei { try $0.expectEnd() }
        guard model.dimension == grant.abar.columns else {
            throw .featureDimensionMismatch(expected: grant.abar.columns, actual: model.dimension)
        }
        self.init(grant: grant, imageKey: key, model: model)
    }
}

extension SEISealedImages {
    static let magic = FormatMagic("SEIB")

    /// The versioned binary form.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: images.reduce(16) { $0 + $1.sealed.count + $1.id.utf8.count + 8 })
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.write(UInt32(images.count))
        for image in images {
            writer.writeString(image.id)
            writer.writeBytes(image.sealed)
        }
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SEIError) {
        var reader = ByteReader(bytes)
        try reader.sei { try $0.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let count = Int(try reader.sei { try $0.read(UInt32.self) })
        guard count * 9 <= reader.remaining else { throw .malformedMessage("image count \(count) exceeds the data") }
        var images = [SealedImage]()
        for _ in 0..<count {
            let id = try reader.readID()
            let sealed = try reader.sei { try $0.readBytes(maxLength: SEIWireLimits.maxBlob) }
            images.append(SealedImage(id: id, sealed: sealed))
        }
        try reader.sei { try $0.expectEnd() }
        self.init(images: images)
    }
}

extension SEIImageRequest {
    static let magic = FormatMagic("SEIF")

    /// The versioned binary form.
    public func serialized() -> [UInt8] { SEIIDList.serialize(ids, magic: Self.magic) }

    /// Decodes ``serialized()`` (at most 100,000 ids).
    public init(serialized bytes: [UInt8]) throws(SEIError) {
        self.init(ids: try SEIIDList.decode(bytes, magic: Self.magic, limit: 100_000))
    }
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
        self.init(id: id, cluster: cluster, vector: try reader.readFloats(count: vectorBytes.count / 4))
    }
}

/// The wire form of a message that is only a list of image ids (delete, image request): header, count, ids.
private enum SEIIDList {
    static func serialize(_ ids: [String], magic: FormatMagic) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: magic, version: 1)
        writer.write(UInt32(ids.count))
        for id in ids { writer.writeString(id) }
        return writer.bytes
    }

    /// Decodes a list written by ``serialize(_:magic:)``; `limit` caps the count when given.
    static func decode(_ bytes: [UInt8], magic: FormatMagic, limit: Int?) throws(SEIError) -> [String] {
        var reader = ByteReader(bytes)
        try reader.sei { try $0.readHeader(magic: magic, supportedVersions: 1...1) }
        let count = Int(try reader.sei { try $0.read(UInt32.self) })
        guard count * 5 <= reader.remaining else { throw .malformedMessage("id count \(count) exceeds the data") }
        if let limit, count > limit { throw .malformedMessage("id count \(count) out of range") }
        var ids = [String]()
        for _ in 0..<count { ids.append(try reader.readID()) }
        try reader.sei { try $0.expectEnd() }
        return ids
    }
}

