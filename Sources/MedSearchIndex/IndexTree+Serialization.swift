import MedSearchCore

/// The tree's structure (no vectors, no spreads): `"SITR"` v1, the node count and root, then per node its level
/// (UInt16), cluster (Int32, -1 for internal nodes) and children.
extension IndexTree: WireMessage {
    public static let magic = FormatMagic("SITR")
    public static let version: UInt16 = 1
    /// Largest node count accepted when decoding.
    public static let maxNodes = 1 << 22

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(nodes.count))
        writer.write(UInt32(root))
        for node in nodes {
            writer.write(UInt16(node.level))
            writer.write(Int32(node.cluster ?? -1))
            writer.writeArray(node.children.map { UInt32($0) })
        }
    }

    /// Reads a tree, checking lengths and that the result is a well-formed tree.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let count = Int(try reader.read(UInt32.self))
        guard count >= 1, count <= Self.maxNodes, count * 10 <= reader.remaining else {
            throw .invalidValue(offset: start, reason: "node count \(count) out of range")
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
        self = try WireError.validating(at: start) { try IndexTree(nodes: nodes, root: root) }
    }
}
