import MedSearchCore

/// Owner -> master: one encrypted hashcode block and the sealed images whose hashcodes it holds.
///
/// Retry-safe: resending the same request with the same ``idempotencyKey`` never stores anything twice; the
/// master answers with the outcome of every image (stored now, stored earlier, or failed and not present).
@MemberwiseInit(.public)
public struct UploadRequest: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMUQ")

    /// One image of the upload.
    public struct Item: Sendable, Equatable {
        /// The owner's record id.
        public var recordID: String
        /// The slot of the block holding this image's hashcode.
        public var slot: Int
        /// A keyed tag of the plaintext image (HMAC-SHA256 under the owner's tag key): lets the master tell a
        /// re-upload of the same image (a retry after a crash) from a different image under the same id,
        /// without learning anything but equality.
        public var contentTag: [UInt8]
        /// The AES-256-GCM sealed image (the master cannot open it).
        public var sealedImage: [UInt8]
    }

    /// 16 to 64 random bytes chosen by the owner for this request; reused verbatim on retries.
    public var idempotencyKey: [UInt8]
    /// The fingerprint of the evaluation keys the block was encrypted for.
    public var keyFingerprint: [UInt8]
    /// The encrypted hashcode block (opaque ciphertext bytes).
    public var encryptedBlock: [UInt8]
    /// The images.
    public var items: [Item]

    public func encode(to writer: inout ByteWriter) {
        writer.writeBytes(idempotencyKey)
        writer.writeBytes(keyFingerprint)
        writer.writeBytes(encryptedBlock)
        writer.write(UInt32(items.count))
        for item in items {
            writer.writeString(item.recordID)
            writer.write(UInt32(item.slot))
            writer.writeBytes(item.contentTag)
            writer.writeBytes(item.sealedImage)
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let keyStart = reader.offset
        idempotencyKey = try reader.readBytes(maxLength: 64)
        guard idempotencyKey.count >= 16 else {
            throw .invalidValue(offset: keyStart, reason: "idempotency key shorter than 16 bytes")
        }
        keyFingerprint = try reader.readBytes(exactly: 32, "key fingerprint")
        encryptedBlock = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
        let count = try reader.readCount(limit: TrustMedLimits.maxItemsPerUpload)
        var items = [Item]()
        items.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            let recordID = try reader.readRecordID()
            let slot = Int(try reader.read(UInt32.self))
            let tag = try reader.readBytes(exactly: 32, "content tag")
            let sealed = try reader.readBytes(maxLength: TrustMedLimits.maxImageBytes)
            items.append(Item(recordID: recordID, slot: slot, contentTag: tag, sealedImage: sealed))
        }
        self.items = items
    }
}

/// Master -> owner: the outcome of every image of an ``UploadRequest``.
public struct UploadResponse: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMUR")

    /// What happened to one image.
    public enum Status: UInt8, Sendable, Equatable {
        /// Stored by this request: all n shares are on the nodes and the record is searchable.
        case stored = 0
        /// Already stored by an earlier attempt with the same content (a retry).
        case alreadyStored = 1
        /// Not stored; nothing of it is searchable. Retry with the same idempotency key.
        case failed = 2
    }

    /// The outcome of one image.
    public struct Outcome: Sendable, Equatable {
        /// The record id.
        public var recordID: String
        /// What happened.
        public var status: Status
        /// A short reason when ``status`` is ``Status/failed``.
        public var reason: String = ""
    }

    /// One outcome per item, in request order.
    public var outcomes: [Outcome]

    /// Creates a response.
    public init(outcomes: [Outcome]) { self.outcomes = outcomes }

    /// Whether every image is stored.
    public var allStored: Bool { outcomes.allSatisfy { $0.status != .failed } }

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(outcomes.count))
        for outcome in outcomes {
            writer.writeString(outcome.recordID)
            writer.write(outcome.status.rawValue)
            writer.writeString(outcome.reason)
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let count = try reader.readCount(limit: TrustMedLimits.maxItemsPerUpload)
        var outcomes = [Outcome]()
        for _ in 0..<count {
            let id = try reader.readRecordID()
            let status = try reader.readTag(Status.self, "upload status")
            let reason = try reader.readString(maxLength: 4096)
            outcomes.append(Outcome(recordID: id, status: status, reason: reason))
        }
        self.outcomes = outcomes
    }
}
