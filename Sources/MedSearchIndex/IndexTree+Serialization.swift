import MedSearchCore

extension IndexTree {
    static let magic = FormatMagic("SITR")
    /// Largest node count accepted when decoding.
    public static let maxNodes = 1 << 22

    /// The tree's structure (no vectors, no spreads) in a versioned binary form.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.write(UInt32(nodes.count))
        writer.write(UInt32(root))
        for node in nodes {
            writer.write(UInt16(node.level))
            writer.write(Int32(node.cluster ?? -1))
            writer.writeArray(node.children.map { UInt32($0) })
        }
        return writer.bytes
    }

    /// Decodes ``serialized()``, checking lengths and that the result is a well-formed tree.
    public init(serialized bytes: [UInt8]) throws(IndexTreeError) {
        var reader = ByteReader(bytes)
        do {
            try reader.readHeader(magic: Self.magic, supportedVersions: 1...1)
            let count = Int(try reader.read(UInt32.self))
            guard count >= 1, count <= Self.maxNodes, count * 10 <= reader.remaining else {
                throw IndexTreeError.malformedData("node count \(count) out of range")
            }
            let root = Int(try reader.read(UInt32.self))
            var nodes = [Node]()
            nodes.reserveCapacity(count)
            for _ in 0..<count {
                let level = Int(try reader.read(UInt16.self))
                let cluster = Int(try reader.read(Int32.self))
                let children = try reader.readArray(of: UInt32.self, maxCount: count).map { Int($0) }
                nodes.append(Node(level: level, children: children, cluster: cluster < 0 ? nil : cluster))
            }
            try reader.expectEnd()
            try self.init(nodes: nodes, root: root)
        } catch let error as IndexTreeError {
            throw error
        } catch {
            throw .malformedData(String(describing: error))
        }
    }
}
