import MedSearchCore

/// Client -> master: the records (the client's top-k) whose sealed images to rebuild and return.
///
/// Version 2 writes whether the unlinkable-mode fields follow as a byte; version 1 (still read) appended them when
/// present.
public struct FetchRequest: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMFQ")
    public static let version: UInt16 = 2
    /// The record ids, in the client's rank order (empty in unlinkable mode).
    public var recordIDs: [String]
    /// Unlinkable mode: the search response's query handle (empty otherwise).
    public var queryHandle: [UInt8]
    /// Unlinkable mode: the key holder's slot request (slots and ranks, no distances).
    public var slotRequest: [UInt8]
    /// Unlinkable mode: how many records to return (the master orders the requested slots by rank, ties by id).
    public var k: Int

    /// Creates a request for records by id.
    public init(recordIDs: [String]) {
        self.recordIDs = recordIDs
        queryHandle = []
        slotRequest = []
        k = 0
    }

    /// Creates an unlinkable-mode request: the master resolves the slots with the search's private mapping.
    public init(queryHandle: [UInt8], slotRequest: [UInt8], k: Int) {
        recordIDs = []
        self.queryHandle = queryHandle
        self.slotRequest = slotRequest
        self.k = k
    }

    public func encode(to writer: inout ByteWriter) {
        writer.writeRecordIDs(recordIDs)
        writer.write(!queryHandle.isEmpty)
        if !queryHandle.isEmpty {
            writer.writeBytes(queryHandle)
            writer.writeBytes(slotRequest)
            writer.write(UInt32(k))
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        recordIDs = try reader.readRecordIDs(limit: TrustMedLimits.maxRecordsPerFetch)
        let unlinkableFields: Bool
        if version >= 2 { unlinkableFields = try reader.readBool() } else { unlinkableFields = !reader.isAtEnd }
        if !unlinkableFields {
            queryHandle = []
            slotRequest = []
            k = 0
        } else {
            let start = reader.offset
            queryHandle = try reader.readBytes(maxLength: 16)
            guard queryHandle.count == 16, recordIDs.isEmpty else { throw .invalidValue(offset: start, reason: "query handle") }
            slotRequest = try reader.readBytes(maxLength: 1 << 24)
            let kOffset = reader.offset
            k = Int(try reader.read(UInt32.self))
            guard (1...TrustMedLimits.maxRecordsPerFetch).contains(k) else { throw .invalidValue(offset: kOffset, reason: "k") }
        }
    }
}

/// Master -> client: each requested record's sealed image, rebuilt from m verified shares, or why not.
public struct FetchResponse: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMFR")

    /// The result for one record.
    public enum Result: Sendable, Equatable {
        /// The sealed image, rebuilt from verified shares.
        case sealedImage([UInt8])
        /// The image could not be rebuilt (for example fewer than m healthy nodes); never a wrong image.
        case failure(String)
    }

    /// One record's result.
    public struct Item: Sendable, Equatable {
        /// The record id.
        public var recordID: String
        /// The result.
        public var result: Result
    }

    /// One item per requested record, in request order.
    public var items: [Item]

    /// Creates a response.
    public init(items: [Item]) { self.items = items }

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(items.count))
        for item in items {
            writer.writeString(item.recordID)
            switch item.result {
            case let .sealedImage(bytes):
                writer.write(UInt8(0))
                writer.writeBytes(bytes)
            case let .failure(reason):
                writer.write(UInt8(1))
                writer.writeString(reason)
            }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let count = try reader.readCount(limit: TrustMedLimits.maxRecordsPerFetch)
        var items = [Item]()
        for _ in 0..<count {
            let id = try reader.readRecordID()
            let tagOffset = reader.offset
            switch try reader.read(UInt8.self) {
            case 0: items.append(Item(recordID: id, result: .sealedImage(try reader.readBytes(maxLength: TrustMedLimits.maxImageBytes))))
            case 1: items.append(Item(recordID: id, result: .failure(try reader.readString(maxLength: 4096))))
            default: throw .invalidValue(offset: tagOffset, reason: "fetch result tag")
            }
        }
        self.items = items
    }
}
