import Crypto
import Foundation
import MedSearchCore
import MedSearchDICOMweb
import MedSearchImaging

/// One instance stored through DICOMweb: its original identity (for QIDO-RS and re-identification) and the
/// repository image the engines index.
///
/// `"MSDW"` version 1 (docs/formats.md): the original SOP Instance UID and the image id (strings of at most 64
/// bytes), the frame (UInt32), the time stored (Double, seconds since 1970), the catalogued attributes (an
/// ``EncodedDataset``), then the ``IdentityRecord`` (`"MSID"`, length-prefixed).
struct DICOMwebEntry: Sendable, Equatable {
    /// The original SOP Instance UID (what PACS and viewers use).
    var sopInstanceUID: String
    /// The web application's image id (vault and engines hold the de-identified instance under it).
    var imageID: String
    /// The indexed frame (0-based; the representative frame of a multi-frame instance).
    var frame: Int
    /// The original patient, study, series and instance attributes QIDO-RS matches and returns (no pixels).
    var attributes: DICOMDataset { encodedAttributes.dataset }
    /// ``attributes`` and their Part 10 stream.
    let encodedAttributes: EncodedDataset
    /// What de-identification removed or changed, to give the original back (WADO-RS).
    var identity: IdentityRecord
    /// When it was stored.
    var storedAt: Date

    /// - Throws: ``DICOMError/cannotWrite(reason:)`` when `attributes` cannot be written as a Part 10 stream.
    init(sopInstanceUID: String, imageID: String, frame: Int, attributes: DICOMDataset, identity: IdentityRecord,
         storedAt: Date = Date()) throws {
        self.sopInstanceUID = sopInstanceUID
        self.imageID = imageID
        self.frame = frame
        self.encodedAttributes = try EncodedDataset(attributes)
        self.identity = identity
        self.storedAt = storedAt
    }

    /// The attributes of `dataset` the catalog keeps: every standard, non-sequence attribute with a short value
    /// (text and binary integers), so QIDO-RS can match and return them; no pixels, no private attributes.
    static func catalogAttributes(_ dataset: DICOMDataset) -> DICOMDataset {
        let kept = dataset.elements.filter { element in
            guard !element.tag.isPrivate, element.tag.group >= 0x0008, element.tag.group < 0x7FE0,
                  let bytes = element.bytes, bytes.count <= 1024 else { return false }
            return element.vr.isText || [.US, .SS, .UL, .SL, .FL, .FD].contains(element.vr)
        }
        return DICOMDataset(elements: kept, isLittleEndian: dataset.isLittleEndian)
    }
}

extension DICOMwebEntry: WireMessage {
    static let magic = FormatMagic("MSDW")
    static let version: UInt16 = 1
    /// The longest Part 10 stream of catalogued attributes read (short values only, no pixels).
    static let maxAttributeBytes = 1 << 24

    func encode(to writer: inout ByteWriter) {
        writer.writeString(sopInstanceUID)
        writer.writeString(imageID)
        writer.write(UInt32(frame))
        writer.write(storedAt.timeIntervalSince1970)
        encodedAttributes.write(to: &writer)
        writer.writeEmbedded(identity)
    }

    init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        sopInstanceUID = try reader.readString(maxLength: 64)
        imageID = try reader.readString(maxLength: 64)
        frame = Int(try reader.read(UInt32.self))
        storedAt = Date(timeIntervalSince1970: try reader.readDouble())
        encodedAttributes = try EncodedDataset(from: &reader, maxLength: Self.maxAttributeBytes)
        identity = try reader.readEmbedded(IdentityRecord.self, maxLength: IdentityRecord.maxOriginalBytes + 4096)
    }
}

/// The catalog of instances stored through DICOMweb, on the trusted side: one AES-256-GCM sealed file per
/// instance under `<data-dir>/dicomweb/` (key `catalog.key`, mode 0600; the file name is the SHA-256 of the
/// SOP Instance UID and is the associated data, so a swapped file is refused), all opened into memory at start.
actor DICOMwebCatalog {
    let directory: URL
    private let key: SymmetricKey
    private var entries: [DICOMwebEntry] = []
    private var bySOP: [String: Int] = [:]
    private var byImage: [String: Int] = [:]

    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let keyFile = directory.appendingPathComponent("catalog.key")
        if let existing = try? Data(contentsOf: keyFile) {
            guard existing.count == 32 else { throw WebError.notFound("a valid DICOMweb catalog key") }
            key = SymmetricKey(data: existing)
        } else {
            let fresh = SymmetricKey(size: .bits256)
            try OwnerOnlyFile.write(fresh.withUnsafeBytes { Array($0) }, to: keyFile)
            key = fresh
        }
        var loaded: [DICOMwebEntry] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".entry") {
            let sealed = try Data(contentsOf: directory.appendingPathComponent(name))
            let box = try AES.GCM.SealedBox(combined: sealed)
            let entry = try DICOMwebEntry(serialized: Array(try AES.GCM.open(box, using: key,
                                                                              authenticating: Array(name.utf8))))
            guard Self.fileName(entry.sopInstanceUID) == name else { throw WebError.notFound("an intact catalog entry") }
            loaded.append(entry)
        }
        loaded.sort { ($0.storedAt, $0.sopInstanceUID) < ($1.storedAt, $1.sopInstanceUID) }
        entries = loaded
        for (position, entry) in loaded.enumerated() {
            bySOP[entry.sopInstanceUID] = position
            byImage[entry.imageID] = position
        }
    }

    static func fileName(_ sopInstanceUID: String) -> String {
        Hex.encode(SHA256.hash(data: Array(sopInstanceUID.utf8)).prefix(16)) + ".entry"
    }

    private func index(_ entry: DICOMwebEntry) {
        bySOP[entry.sopInstanceUID] = entries.count
        byImage[entry.imageID] = entries.count
        entries.append(entry)
    }

    /// Whether an instance with this original SOP Instance UID is stored.
    func contains(_ sopInstanceUID: String) -> Bool { bySOP[sopInstanceUID] != nil }

    /// The entry of an original SOP Instance UID.
    func entry(sop: String) -> DICOMwebEntry? { bySOP[sop].map { entries[$0] } }

    /// The entry of a repository image id.
    func entry(imageID: String) -> DICOMwebEntry? { byImage[imageID].map { entries[$0] } }

    /// Every entry, oldest first.
    func all() -> [DICOMwebEntry] { entries }

    /// Adds an entry (written sealed before it is visible).
    func add(_ entry: DICOMwebEntry) throws {
        let name = Self.fileName(entry.sopInstanceUID)
        let sealed = try AES.GCM.seal(entry.serialized(), using: key, authenticating: Array(name.utf8))
        guard let combined = sealed.combined else { throw WebError.engineUnavailable("sealing failed") }
        try combined.write(to: directory.appendingPathComponent(name), options: .atomic)
        index(entry)
    }
}
