import MedSearchCore
import MedSearchImaging

/// What de-identification took out of one instance, kept on the trusted side so that the instance can be
/// shown (and returned over WADO-RS) with the real patient again.
///
/// ``original`` holds, exactly as they were, the top-level elements that PS3.15 de-identification removed or
/// changed (patient name and ID, dates, UIDs, private attributes, sequences with remapped references...), never
/// the pixel data; ``addedTags`` lists the attributes de-identification added (Patient Identity Removed,
/// De-identification Method...). Re-identifying the de-identified instance with the record gives back the
/// original data set element for element.
///
/// Stored as the `"MSID"` ``WireMessage`` (docs/formats.md); seal the bytes before writing them anywhere: they
/// identify the patient.
public struct IdentityRecord: Sendable, Equatable {
    /// The de-identified instance's SOP Instance UID (`2.25.` + 128 bits of HMAC of the original).
    public var pseudonymousSOPInstanceUID: String
    /// The de-identified patient ID and name (`ANON-` + 24 hex digits of HMAC).
    public var patientPseudonym: String
    /// The removed or changed elements as they were (file meta and pixel data excluded).
    public var original: DICOMDataset { encodedOriginal.dataset }
    /// ``original`` and its Part 10 stream.
    public let encodedOriginal: EncodedDataset
    /// Attributes de-identification added.
    public var addedTags: [DICOMTag]

    /// The original SOP Instance UID.
    public var originalSOPInstanceUID: String? { original.string(.sopInstanceUID) }

    /// A record.
    /// - Throws: ``DICOMError/cannotWrite(reason:)`` when `original` cannot be written as a Part 10 stream.
    public init(pseudonymousSOPInstanceUID: String, patientPseudonym: String, original: DICOMDataset,
                addedTags: [DICOMTag]) throws {
        self.pseudonymousSOPInstanceUID = pseudonymousSOPInstanceUID
        self.patientPseudonym = patientPseudonym
        self.encodedOriginal = try EncodedDataset(original)
        self.addedTags = addedTags
    }
}

/// `"MSID"` version 1: the pseudonymous SOP Instance UID and the patient pseudonym (strings of at most 64 bytes),
/// the added tags (UInt32 count, then UInt32 each), then the original elements as an ``EncodedDataset``.
extension IdentityRecord: WireMessage {
    public static let magic = FormatMagic("MSID")
    public static let version: UInt16 = 1
    /// The longest Part 10 stream of original elements read (they never include pixel data).
    public static let maxOriginalBytes = 1 << 26

    public func encode(to writer: inout ByteWriter) {
        writer.writeString(pseudonymousSOPInstanceUID)
        writer.writeString(patientPseudonym)
        writer.writeArray(addedTags.map(\.rawValue))
        encodedOriginal.write(to: &writer)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        pseudonymousSOPInstanceUID = try reader.readString(maxLength: 64)
        patientPseudonym = try reader.readString(maxLength: 64)
        addedTags = try reader.readArray(of: UInt32.self, maxCount: 4096).map(DICOMTag.init(rawValue:))
        encodedOriginal = try EncodedDataset(from: &reader, maxLength: Self.maxOriginalBytes)
    }
}

/// The keyed pseudonym map of MedSearch's DICOMweb service: PS3.15 de-identification (``Deidentifier``,
/// HMAC-SHA256 pseudonyms under the deployment secret) plus, for every instance, the ``IdentityRecord`` that
/// undoes it.
///
/// Engines and their servers only ever receive the de-identified instance and its features. The map and the
/// secret stay on the trusted, hospital side (the web application's data directory, records sealed at rest),
/// so a clinician who may see the study sees the real patient, and WADO-RS returns the original instance.
///
/// The map's keys are the pseudonyms themselves (HMACs of the original values): an original SOP Instance UID is
/// looked up by computing its pseudonym, which needs the secret; the map never indexes original identifiers.
///
/// ```swift
/// var map = PseudonymMap(deidentifier: try Deidentifier(secret: secret))
/// let (clean, report, record) = try map.deidentify(file)    // clean goes to the engines
/// map.insert(record)
/// let original = try map.reidentify(clean)                   // what an authorised user gets back
/// ```
public struct PseudonymMap: Sendable {
    /// The keyed de-identifier.
    public let deidentifier: Deidentifier
    private var records: [String: IdentityRecord] = [:]

    /// An empty map over `deidentifier`.
    public init(deidentifier: Deidentifier) {
        self.deidentifier = deidentifier
    }

    /// The number of instances in the map.
    public var count: Int { records.count }

    /// De-identifies `file` and returns the record that undoes it (not yet inserted).
    /// - Throws: ``DICOMError``.
    public func deidentify(_ file: DICOMFile) throws -> (clean: DICOMFile, report: DeidentificationReport,
                                                          record: IdentityRecord) {
        let (clean, report) = try deidentifier.deidentify(file)
        return (clean, report, try Self.record(source: file.dataset, clean: clean.dataset))
    }

    /// The record that turns `clean` back into `source`.
    /// - Throws: ``DICOMError/cannotWrite(reason:)`` when the kept elements cannot be written.
    public static func record(source: DICOMDataset, clean: DICOMDataset) throws -> IdentityRecord {
        var kept: [DICOMElement] = []
        for element in source.elements where element.tag.group != 0x0002 && element.tag != .pixelData {
            if clean[element.tag] != element { kept.append(element) }
        }
        let added = clean.elements.map(\.tag).filter { !source.contains($0) && $0.group != 0x0002 }
        return try IdentityRecord(pseudonymousSOPInstanceUID: clean.string(.sopInstanceUID) ?? "",
                              patientPseudonym: clean.string(.patientID) ?? "",
                              original: DICOMDataset(elements: kept, isLittleEndian: source.isLittleEndian),
                              addedTags: added)
    }

    /// Adds (or replaces) a record.
    public mutating func insert(_ record: IdentityRecord) {
        records[record.pseudonymousSOPInstanceUID] = record
    }

    /// The record of a de-identified instance.
    public func record(pseudonymousSOPInstanceUID uid: String) -> IdentityRecord? { records[uid] }

    /// The record of an original SOP Instance UID (found through its keyed pseudonym).
    public func record(originalSOPInstanceUID uid: String) -> IdentityRecord? {
        records[deidentifier.remappedUID(uid)]
    }

    /// The original data set of a de-identified one: added attributes removed, removed and changed ones restored.
    /// - Throws: ``PseudonymMapError/unknownInstance`` when the map has no record for it.
    public func reidentify(_ clean: DICOMDataset) throws -> DICOMDataset {
        guard let uid = clean.string(.sopInstanceUID), let record = records[uid] else {
            throw PseudonymMapError.unknownInstance
        }
        return try Self.reidentify(clean, with: record)
    }

    /// `clean` with `record` applied (both brought to little endian first when their byte orders differ).
    /// - Throws: ``DICOMError`` if a value cannot be re-encoded.
    public static func reidentify(_ clean: DICOMDataset, with record: IdentityRecord) throws -> DICOMDataset {
        var dataset = clean
        var original = record.original
        if dataset.isLittleEndian != original.isLittleEndian {
            dataset = try littleEndian(dataset)
            original = try littleEndian(original)
        }
        for tag in record.addedTags { dataset.remove(tag) }
        for element in original.elements { dataset.set(element) }
        return dataset
    }

    /// The data set re-encoded in little endian (through ``DICOMWriter``, which swaps values by VR).
    static func littleEndian(_ dataset: DICOMDataset) throws -> DICOMDataset {
        if dataset.isLittleEndian { return dataset }
        let bytes = try DICOMWriter.write(DICOMFile(meta: DICOMDataset(), dataset: dataset,
                                                    transferSyntax: .explicitVRLittleEndian))
        return try DICOMFile(bytes: bytes).dataset
    }
}

/// Why the pseudonym map could not answer.
public enum PseudonymMapError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No record for this instance (it was not stored through this map).
    case unknownInstance

    public var description: String {
        switch self {
        case .unknownInstance: "the instance has no identity record on this server"
        }
    }
}
