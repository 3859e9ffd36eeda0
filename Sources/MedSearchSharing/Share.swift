import Crypto
import MedSearchCore

/// One share of a verifiably shared object: a dispersal fragment of the AES-GCM ciphertext and a Shamir share of
/// its key, with the share's index and a SHA-256 hash of its content.
///
/// Format: see the ``WireMessage`` conformance (`"MSSH"` version 1).
public struct Share: Sendable, Equatable {
    /// The object this share belongs to.
    public let objectID: String
    /// The share's index, 1...n (the evaluation point of its key share and its dispersal row).
    public let index: Int
    /// Shares needed to rebuild (m).
    public let threshold: Int
    /// Shares produced (n).
    public let shareCount: Int
    /// The Shamir share of the 32-byte AES key.
    public let keyShare: [UInt8]
    /// The dispersal fragment (about 1/m of the sealed data), copied out of the serialised share.
    public var fragment: [UInt8] { Array(serializedBytes[fragmentRange]) }
    /// Where the fragment lies in ``serialized()``.
    let fragmentRange: Range<Int>
    /// SHA-256 of the serialised content (everything before the hash); listed in the signed manifest.
    public let hash: [UInt8]

    /// The longest object id accepted.
    public static let maximumObjectIDLength = 1024

    /// The serialised form, kept from creation or decoding (not part of equality).
    let serializedBytes: [UInt8]

    /// Builds share `index` with its fragment written in place by `writeFragment` (exactly `fragmentLength` bytes
    /// at the pointer it is given), then hashes the content: the fragment is never copied.
    init(objectID: String, index: Int, threshold: Int, shareCount: Int, keyShare: [UInt8], fragmentLength: Int,
         writeFragment: (UnsafeMutablePointer<UInt8>) -> Void) {
        var writer = ByteWriter(capacity: 64 + objectID.utf8.count)
        writer.writeHeader(magic: Self.magic, version: Self.version)
        writer.writeString(objectID)
        writer.write(UInt8(index))
        writer.write(UInt8(threshold))
        writer.write(UInt8(shareCount))
        writer.writeRaw(keyShare)
        writer.write(UInt32(fragmentLength))
        let prefix = writer.bytes
        let contentLength = prefix.count + fragmentLength
        var hash = [UInt8]()
        let bytes = [UInt8](unsafeUninitializedCapacity: contentLength + 32) { buffer, initialized in
            let base = buffer.baseAddress!
            prefix.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: prefix.count) }
            writeFragment(base + prefix.count)
            hash = Array(SHA256.hash(data: UnsafeRawBufferPointer(start: base, count: contentLength)))
            (base + contentLength).update(from: hash, count: 32)
            initialized = contentLength + 32
        }
        self.objectID = objectID
        self.index = index
        self.threshold = threshold
        self.shareCount = shareCount
        self.keyShare = keyShare
        self.hash = hash
        self.fragmentRange = prefix.count..<contentLength
        self.serializedBytes = bytes
    }

    /// Builds a share from a fragment held in an array (copies it once).
    public init(objectID: String, index: Int, threshold: Int, shareCount: Int, keyShare: [UInt8], fragment: [UInt8]) {
        self.init(objectID: objectID, index: index, threshold: threshold, shareCount: shareCount, keyShare: keyShare,
                  fragmentLength: fragment.count) { destination in
            fragment.withUnsafeBufferPointer { if let source = $0.baseAddress { destination.update(from: source, count: $0.count) } }
        }
    }

    /// Equal shares have equal serialisations (the encoding is canonical and includes every field).
    public static func == (lhs: Share, rhs: Share) -> Bool {
        lhs.serializedBytes == rhs.serializedBytes
    }

    /// Calls `body` with the fragment's bytes in place.
    func withFragment<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try serializedBytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[fragmentRange])) }
    }

    /// The serialised share (content followed by its hash): the bytes ``WireMessage/serialized()`` writes, kept
    /// from creation or decoding so a large share is not copied.
    public func serialized() -> [UInt8] {
        serializedBytes
    }

    /// Decodes a share, refusing a fragment longer than `maxFragmentLength`.
    public init(serialized bytes: [UInt8], maxFragmentLength: Int) throws(WireError) {
        try self.init(serialized: bytes)
        guard fragmentRange.count <= maxFragmentLength else {
            throw .lengthTooLarge(offset: fragmentRange.lowerBound - 4, length: fragmentRange.count, limit: maxFragmentLength)
        }
    }
}

/// Format: `"MSSH"` version 1, object id (string), index, threshold m and count n (UInt8 each), the 32-byte key
/// share, the fragment (UInt32 length + bytes), then the SHA-256 of every preceding byte (header included).
extension Share: WireMessage {
    public static let magic = FormatMagic("MSSH")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.writeRaw(serializedBytes[6...])
    }

    /// Reads a share and checks its own hash (a corrupted share fails here; a forged one with a fresh hash is
    /// caught by the signed manifest). The fragment is not copied when the share spans the whole input.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let messageStart = reader.offset - 6
        let objectID = try reader.readString(maxLength: Self.maximumObjectIDLength)
        let indexOffset = reader.offset
        let index = Int(try reader.read(UInt8.self))
        let threshold = Int(try reader.read(UInt8.self)), count = Int(try reader.read(UInt8.self))
        guard threshold >= 2, threshold <= count, (1...count).contains(index) else {
            throw .invalidValue(offset: indexOffset, reason: "index \(index) of \(threshold)-of-\(count)")
        }
        let keyShare = try reader.readRaw(count: 32)
        let fragmentLength = Int(try reader.read(UInt32.self))
        let fragmentStart = reader.offset
        guard reader.remaining >= fragmentLength else {
            throw .truncated(offset: fragmentStart, needed: fragmentLength, available: reader.remaining)
        }
        let contentEnd = fragmentStart + fragmentLength
        reader = ByteReader(reader.bytes, offset: contentEnd)  // skips the fragment without copying it
        let hash = try reader.readRaw(count: 32)
        let all = reader.bytes
        let computed = all.withUnsafeBufferPointer {
            Array(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0)[messageStart..<contentEnd])))
        }
        guard computed == hash else {
            throw .invalidValue(offset: contentEnd, reason: "share hash does not match its content")
        }
        self.objectID = objectID
        self.index = index
        self.threshold = threshold
        self.shareCount = count
        self.keyShare = keyShare
        self.hash = hash
        if messageStart == 0, reader.offset == all.count {
            self.fragmentRange = fragmentStart..<contentEnd
            self.serializedBytes = all
        } else {
            self.fragmentRange = (fragmentStart - messageStart)..<(contentEnd - messageStart)
            self.serializedBytes = Array(all[messageStart..<reader.offset])
        }
    }
}
