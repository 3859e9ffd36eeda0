import Crypto
import MedSearchCore

/// One share of a verifiably shared object: a dispersal fragment of the AES-GCM ciphertext and a Shamir share of
/// its key, with the share's index and a SHA-256 hash of its content.
///
/// Format, version 1: `"MSSH"`, version (UInt16), object id (string), index, threshold m and count n (UInt8 each),
/// the 32-byte key share, the fragment (UInt32 length + bytes), then the SHA-256 of every preceding byte.
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
    /// The dispersal fragment (about 1/m of the sealed data).
    public let fragment: [UInt8]
    /// SHA-256 of the serialised content (everything before the hash); listed in the signed manifest.
    public let hash: [UInt8]

    /// The tag of a serialised share.
    public static let magic = FormatMagic("MSSH")
    /// The current share format version.
    public static let formatVersion: UInt16 = 1
    /// The longest object id accepted.
    public static let maximumObjectIDLength = 1024

    /// The serialised form, kept from creation or decoding (not part of equality).
    let serializedBytes: [UInt8]

    init(objectID: String, index: Int, threshold: Int, shareCount: Int, keyShare: [UInt8], fragment: [UInt8]) {
        self.objectID = objectID
        self.index = index
        self.threshold = threshold
        self.shareCount = shareCount
        self.keyShare = keyShare
        self.fragment = fragment
        var bytes = Self.content(objectID: objectID, index: index, threshold: threshold, shareCount: shareCount,
                                 keyShare: keyShare, fragment: fragment, extraCapacity: 32)
        let hash = Array(SHA256.hash(data: bytes))
        bytes.append(contentsOf: hash)
        self.hash = hash
        self.serializedBytes = bytes
    }

    public static func == (lhs: Share, rhs: Share) -> Bool {
        lhs.objectID == rhs.objectID && lhs.index == rhs.index && lhs.threshold == rhs.threshold
            && lhs.shareCount == rhs.shareCount && lhs.keyShare == rhs.keyShare && lhs.fragment == rhs.fragment
            && lhs.hash == rhs.hash
    }

    static func content(objectID: String, index: Int, threshold: Int, shareCount: Int, keyShare: [UInt8],
                        fragment: [UInt8], extraCapacity: Int = 0) -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + objectID.utf8.count + fragment.count + extraCapacity)
        writer.writeHeader(magic: magic, version: formatVersion)
        writer.writeString(objectID)
        writer.write(UInt8(index))
        writer.write(UInt8(threshold))
        writer.write(UInt8(shareCount))
        writer.writeRaw(keyShare)
        writer.writeBytes(fragment)
        return writer.bytes
    }

    /// The serialised share (content followed by its hash).
    public func serialized() -> [UInt8] {
        serializedBytes
    }

    /// Decodes a share and checks its own hash (a corrupted share fails here; a forged one with a fresh hash is
    /// caught by the signed manifest).
    ///
    /// - Throws: ``SharingError/wire(_:)`` for malformed bytes or a hash that does not match the content.
    public init(serialized bytes: [UInt8], maxFragmentLength: Int = 1 << 31) throws(SharingError) {
        var reader = ByteReader(bytes)
        do {
            try reader.readHeader(magic: Self.magic, supportedVersions: 1...Self.formatVersion)
            let objectID = try reader.readString(maxLength: Self.maximumObjectIDLength)
            let indexOffset = reader.offset
            let index = Int(try reader.read(UInt8.self))
            let threshold = Int(try reader.read(UInt8.self)), count = Int(try reader.read(UInt8.self))
            guard threshold >= 2, threshold <= count, (1...count).contains(index) else {
                throw WireError.invalidValue(offset: indexOffset, reason: "index \(index) of \(threshold)-of-\(count)")
            }
            let keyShare = try reader.readRaw(count: 32)
            let fragment = try reader.readBytes(maxLength: maxFragmentLength)
            let contentEnd = reader.offset
            let hash = try reader.readRaw(count: 32)
            try reader.expectEnd()
            let computed = bytes.withUnsafeBufferPointer { Array(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0)[0..<contentEnd]))) }
            guard computed == hash else {
                throw WireError.invalidValue(offset: contentEnd, reason: "share hash does not match its content")
            }
            self.objectID = objectID
            self.index = index
            self.threshold = threshold
            self.shareCount = count
            self.keyShare = keyShare
            self.fragment = fragment
            self.hash = hash
            self.serializedBytes = bytes
        } catch let error as WireError {
            throw .wire(error)
        } catch {
            throw .cryptoFailure("\(error)")
        }
    }
}
