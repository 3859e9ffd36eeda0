import MedSearchCore

/// Owner (or admin) -> master: delete these records. Retry-safe: deleting a record that is already gone reports
/// ``DeleteReport/Status/notFound`` and changes nothing; every call also retries share deletions that a
/// storage node missed earlier (it was down).
public struct DeleteRequest: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMDQ")
    /// The record ids to delete (may be empty: then only pending share deletions are retried).
    public var recordIDs: [String]

    /// Creates a request.
    public init(recordIDs: [String]) { self.recordIDs = recordIDs }

    public func encode(to writer: inout ByteWriter) {
        writer.writeRecordIDs(recordIDs)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        recordIDs = try reader.readRecordIDs(limit: TrustMedLimits.maxRecordsPerFetch)
    }
}

/// Master -> owner: what a deletion achieved.
@MemberwiseInit(.public)
public struct DeleteReport: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMDR")

    /// What happened to one record.
    public enum Status: UInt8, Sendable, Equatable {
        /// The record was removed from the metadata database: it is never returned again.
        case deleted = 0
        /// No such record (never stored, or already deleted).
        case notFound = 1
    }

    /// One record's outcome.
    public struct Outcome: Sendable, Equatable {
        /// The record id.
        public var recordID: String
        /// The outcome.
        public var status: Status
    }

    /// One outcome per requested record, in request order.
    public var outcomes: [Outcome]
    /// Shares deleted from storage nodes during this call (of these records and earlier pending ones).
    public var sharesDeleted: Int
    /// Share deletions still pending because a node was unreachable; retried on every later delete and
    /// re-sharing call.
    public var sharesPending: Int

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(outcomes.count))
        for outcome in outcomes {
            writer.writeString(outcome.recordID)
            writer.write(outcome.status.rawValue)
        }
        writer.write(UInt32(sharesDeleted))
        writer.write(UInt32(sharesPending))
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let count = try reader.readCount(limit: TrustMedLimits.maxRecordsPerFetch)
        var outcomes = [Outcome]()
        for _ in 0..<count {
            let id = try reader.readRecordID()
            outcomes.append(Outcome(recordID: id, status: try reader.readTag(Status.self, "delete status")))
        }
        self.outcomes = outcomes
        sharesDeleted = Int(try reader.read(UInt32.self))
        sharesPending = Int(try reader.read(UInt32.self))
    }
}
