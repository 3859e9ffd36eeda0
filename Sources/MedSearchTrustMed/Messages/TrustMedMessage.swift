import MedSearchCore

/// A TrustMedSearch message: a ``WireMessage`` (see docs/formats.md), version 1 unless the type declares a newer
/// one. Decoding throws `WireError`; the engine reports it as ``TrustMedError/malformed(_:)`` where its API throws
/// ``TrustMedError``, and the servers answer 400.
public protocol TrustMedMessage: WireMessage {}

extension TrustMedMessage {
    /// The wire version of a TrustMedSearch message that has had one layout only.
    public static var version: UInt16 { 1 }
}

/// Limits every decoder enforces, so a hostile peer cannot make a role allocate without bound.
public enum TrustMedLimits {
    /// The largest sealed image accepted (64 MiB).
    public static let maxImageBytes = 64 << 20
    /// The largest serialised ciphertext or key set accepted (256 MiB).
    public static let maxCiphertextBytes = 256 << 20
    /// The most images in one upload request.
    public static let maxItemsPerUpload = 16_384
    /// The most records in one fetch request.
    public static let maxRecordsPerFetch = 1_000
    /// The most result blocks in one search response.
    public static let maxBlocks = 1 << 20
    /// The longest record id.
    public static let maxRecordIDLength = 128
    /// The largest share accepted by a storage node (64 MiB).
    public static let maxShareBytes = 64 << 20
}

extension ByteWriter {
    /// Writes a list of record ids: a 32-bit count, then each id as a string.
    mutating func writeRecordIDs(_ ids: [String]) { writeList(ids) { $0.writeString($1) } }
}

extension ByteReader {
    /// Reads a record id and checks its alphabet and length.
    mutating func readRecordID() throws(WireError) -> String {
        let start = offset
        let id = try readString(maxLength: TrustMedLimits.maxRecordIDLength)
        guard RecordID.isValid(id) else { throw .invalidValue(offset: start, reason: "record id") }
        return id
    }

    /// Reads a list of record ids written by ``ByteWriter/writeRecordIDs(_:)``, at most `limit` of them.
    mutating func readRecordIDs(limit: Int) throws(WireError) -> [String] {
        // Each id takes at least 5 bytes (its length and one character): a count the remaining bytes cannot
        // hold is refused before anything is reserved for it.
        try readList(minimumItemBytes: 5, limit: limit) { reader throws(WireError) in try reader.readRecordID() }
    }
}

/// Record ids: 1-128 characters from `[A-Za-z0-9._-]`.
public enum RecordID {
    /// Whether `id` is a valid record id.
    public static func isValid(_ id: String) -> Bool {
        let utf8 = Array(id.utf8)
        guard !utf8.isEmpty, utf8.count <= TrustMedLimits.maxRecordIDLength else { return false }
        return utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95
        }
    }

    /// Throws unless `id` is valid.
    public static func validate(_ id: String) throws(TrustMedError) {
        guard isValid(id) else { throw .invalidRecordID(id) }
    }
}
