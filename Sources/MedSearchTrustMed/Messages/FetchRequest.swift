import MedSearchCore

/// Client -> master: the records (the client's top-k) whose sealed images to rebuild and return.
public struct FetchRequest: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMFQ")
    /// The record ids, in the client's rank order.
    public var recordIDs: [String]

    /// Creates a request.
    public init(recordIDs: [String]) { self.recordIDs = recordIDs }

    public func encodeBody(into writer: inout ByteWriter) {
        writer.writeRecordIDs(recordIDs)
    }

    public init(body reader: inout ByteReader) throws(WireError) {
        recordIDs = try reader.readRecordIDs(limit: TrustMedLimits.maxRecordsPerFetch)
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

        /// Creates an item.
        public init(recordID: String, result: Result) {
            self.recordID = recordID
            self.result = result
        }
    }

    /// One item per requested record, in request order.
    public var items: [Item]

    /// Creates a response.
    public init(items: [Item]) { self.items = items }

    public func encodeBody(into writer: inout ByteWriter) {
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

    public init(body reader: inout ByteReader) throws(WireError) {
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
