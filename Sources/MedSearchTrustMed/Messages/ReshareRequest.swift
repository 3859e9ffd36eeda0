import MedSearchCore

/// Admin -> master: storage node `nodeIndex` was replaced (new, empty node at the same index); rebuild the
/// shares it should hold from the other nodes.
public struct ReshareRequest: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMRQ")
    /// The replaced node's index (0-based).
    public var nodeIndex: Int
    /// The replacement node's base URL, or empty when the node was wiped and restarted at the same address.
    public var newURL: String

    /// Creates a request.
    public init(nodeIndex: Int, newURL: String = "") {
        self.nodeIndex = nodeIndex
        self.newURL = newURL
    }

    public func encodeBody(into writer: inout ByteWriter) {
        writer.write(UInt32(nodeIndex))
        writer.writeString(newURL)
    }

    public init(body reader: inout ByteReader) throws(WireError) {
        let start = reader.offset
        nodeIndex = Int(try reader.read(UInt32.self))
        guard nodeIndex < 255 else { throw .invalidValue(offset: start, reason: "node index") }
        newURL = try reader.readString(maxLength: 2048)
    }
}

/// Master -> admin: what a re-sharing achieved.
public struct ReshareReport: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMRR")
    /// The replaced node.
    public var nodeIndex: Int
    /// Records whose shares were rebuilt and stored on every node.
    public var rebuilt: Int
    /// Records that could not be re-shared (fewer than m healthy shares, or a node failed); they keep
    /// their previous shares.
    public var failed: [String]

    /// Creates a report.
    public init(nodeIndex: Int, rebuilt: Int, failed: [String]) {
        self.nodeIndex = nodeIndex
        self.rebuilt = rebuilt
        self.failed = failed
    }

    public func encodeBody(into writer: inout ByteWriter) {
        writer.write(UInt32(nodeIndex))
        writer.write(UInt32(rebuilt))
        writer.write(UInt32(failed.count))
        for id in failed { writer.writeString(id) }
    }

    public init(body reader: inout ByteReader) throws(WireError) {
        nodeIndex = Int(try reader.read(UInt32.self))
        rebuilt = Int(try reader.read(UInt32.self))
        let count = try reader.readCount(limit: 1 << 24)
        var failed = [String]()
        for _ in 0..<count { failed.append(try reader.readRecordID()) }
        self.failed = failed
    }
}
