import Foundation
import Crypto
import MedSearchCore

/// De-identifies DICOM data sets following the PS3.15 Annex E Basic Application Level Confidentiality Profile
/// with the Retain Longitudinal Temporal Information with Modified Dates Option.
///
/// ```swift
/// let deidentifier = try Deidentifier(secret: SecretBytes(randomCount: 32))   // keep the secret per deployment
/// let (clean, report) = try deidentifier.deidentify(DICOMFile(contentsOf: url))
/// let bytes = try DICOMWriter.write(clean)
/// ```
/// Every pseudonym is a keyed function of the original value (HMAC-SHA256 under the deployment secret), so the
/// same input always maps to the same output within a deployment and cannot be reversed or recomputed without
/// the secret:
/// - UIDs -> `2.25.<decimal of the first 128 bits of HMAC("uid" || uid)>` (study, series, instance, frame of
///   reference, references in sequences: all remapped the same way, so links between files survive);
/// - Patient ID and Patient's Name -> `ANON-<24 hex digits of HMAC("patient" || id)>`;
/// - dates (DA, and the date part of DT) -> shifted back by 1...3650 days, a per-patient offset from
///   HMAC("date-shift" || patient id), so intervals between one patient's studies are kept.
///
/// - Warning: Pixel data is not altered. If ``DeidentificationReport/pixelsNeedReview`` is true (Burned In
///   Annotation "YES", or not stated for ultrasound, secondary capture and other modalities that often carry
///   text), identifying text may still be in the image. Free-text attributes that the profile keeps and
///   structured-report content the profile removes are handled as the table says, nothing more.
public struct Deidentifier: Sendable {
    private let key: SymmetricKey

    /// Creates a de-identifier keyed with a copy of `secret` (at least 32 bytes; wipe your copy afterwards).
    /// - Throws: ``DeidentificationError/secretTooShort(minimum:actual:)``.
    public init(secretBytes: [UInt8]) throws {
        try self.init(secret: SecretBytes(secretBytes))
    }

    /// Creates a de-identifier keyed with a per-deployment secret (at least 32 bytes).
    /// - Throws: ``DeidentificationError/secretTooShort(minimum:actual:)``.
    public init(secret: SecretBytes) throws {
        guard secret.count >= 32 else {
            throw DeidentificationError.secretTooShort(minimum: 32, actual: secret.count)
        }
        key = secret.withUnsafeBytes { SymmetricKey(data: $0) }
    }

    private func mac(_ label: String, _ value: String) -> [UInt8] {
        var message = Array(label.utf8)
        message.append(0)
        message += Array(value.utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    /// The remapped form of a UID: `2.25.` and the decimal value of 128 bits of HMAC("uid" || uid).
    public func remappedUID(_ uid: String) -> String {
        "2.25." + Self.decimal(Array(mac("uid", uid).prefix(16)))
    }

    /// The pseudonym that replaces a patient ID and name.
    public func patientPseudonym(_ patientKey: String) -> String {
        "ANON-" + Hex.encode(mac("patient", patientKey).prefix(12)).uppercased()
    }

    /// The per-patient date shift in days, in -3650 ... -1.
    public func dateShiftDays(_ patientKey: String) -> Int {
        let bytes = mac("date-shift", patientKey)
        let value = Int(bytes[0]) << 16 | Int(bytes[1]) << 8 | Int(bytes[2])
        return -(1 + value % 3650)
    }

    /// Big-endian bytes as a decimal string (the digits of a `2.25.` UID, PS3.5 B.2).
    public static func decimal(_ bytes: [UInt8]) -> String {
        var number = bytes
        var digits = [UInt8]()
        while number.contains(where: { $0 != 0 }) {
            var remainder = 0
            for i in number.indices {
                let value = remainder << 8 | Int(number[i])
                number[i] = UInt8(value / 10)
                remainder = value % 10
            }
            digits.append(UInt8(48 + remainder))
        }
        return digits.isEmpty ? "0" : String(decoding: digits.reversed(), as: UTF8.self)
    }

    /// De-identifies a file: returns the cleaned file (meta group rebuilt by ``DICOMWriter``) and a report.
    /// - Throws: ``DICOMError`` if a value cannot be interpreted.
    public func deidentify(_ file: DICOMFile) throws -> (DICOMFile, DeidentificationReport) {
        let source = file.dataset
        let patientKey = source.string(.patientID).flatMap { $0.isEmpty ? nil : $0 }
            ?? source.string(.patientName) ?? ""
        let shift = dateShiftDays(patientKey)
        var counts = Counts()
        var dataset = try clean(source, patientKey: patientKey, shift: shift, counts: &counts)

        let burned: DeidentificationReport.BurnedInAnnotation
        switch source.string(.burnedInAnnotation)?.uppercased() {
        case "YES": burned = .yes
        case "NO": burned = .no
        default: burned = .notStated
        }
        let textProneModalities: Set<String> = ["US", "SC", "OT", "XC", "ES", "GM", "SM", "DOC", "IVUS"]
        let modality = source.string(.modality) ?? ""
        let needsReview = burned == .yes || (burned == .notStated && textProneModalities.contains(modality))

        // Record what was done (PS3.15 E.1.1 and PS3.3 C.12.1.1.7).
        dataset.set(DICOMElement(tag: .patientIdentityRemoved, vr: .CS, string: "YES"))
        dataset.set(DICOMElement(tag: .deidentificationMethod, vr: .LO,
                                 string: "PS3.15 E Basic Profile; Modified Dates; MedSearch 1"))
        let codes: [(String, String)] = [
            ("113100", "Basic Application Confidentiality Profile"),
            ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
        ]
        dataset.set(DICOMElement(tag: DICOMTag(0x0012, 0x0064), vr: .SQ, value: .sequence(codes.map { code in
            DICOMDataset(elements: [
                DICOMElement(tag: DICOMTag(0x0008, 0x0100), vr: .SH, string: code.0),
                DICOMElement(tag: DICOMTag(0x0008, 0x0102), vr: .SH, string: "DCM"),
                DICOMElement(tag: DICOMTag(0x0008, 0x0104), vr: .LO, string: code.1),
            ], isLittleEndian: dataset.isLittleEndian)
        })))
        dataset.set(DICOMElement(tag: DICOMTag(0x0028, 0x0303), vr: .CS, string: "MODIFIED"))

        var meta = DICOMDataset()
        if let sopClass = dataset.string(.sopClassUID) {
            meta.set(DICOMElement(tag: .mediaStorageSOPClassUID, vr: .UI, string: sopClass))
        }
        if let instance = dataset.string(.sopInstanceUID) {
            meta.set(DICOMElement(tag: .mediaStorageSOPInstanceUID, vr: .UI, string: instance))
        }
        let syntax: TransferSyntax = file.transferSyntax.isEncapsulated ? file.transferSyntax : .explicitVRLittleEndian
        meta.set(DICOMElement(tag: .transferSyntaxUID, vr: .UI, string: syntax.uid))
        let report = DeidentificationReport(
            burnedInAnnotation: burned, pixelsNeedReview: needsReview, removed: counts.removed,
            removedPrivate: counts.removedPrivate, replaced: counts.replaced, remappedUIDs: counts.uids,
            shiftedDates: counts.dates, dateShiftDays: shift)
        return (DICOMFile(meta: meta, dataset: dataset, transferSyntax: syntax, hasPreamble: true), report)
    }

    /// De-identifies Part 10 bytes and writes the result as Part 10 bytes.
    /// - Throws: ``DICOMError``.
    public func deidentify(bytes: [UInt8]) throws -> ([UInt8], DeidentificationReport) {
        let (clean, report) = try deidentify(DICOMFile(bytes: bytes))
        return (try DICOMWriter.write(clean), report)
    }

    private struct Counts {
        var removed = 0, removedPrivate = 0, replaced = 0, uids = 0, dates = 0
    }

    /// UIDs that identify DICOM-defined things (classes, transfer syntaxes) rather than instances.
    private static let classUIDTags: Set<DICOMTag> = [
        .sopClassUID, .mediaStorageSOPClassUID, .transferSyntaxUID, .implementationClassUID,
        DICOMTag(0x0008, 0x1150), DICOMTag(0x0004, 0x1510), DICOMTag(0x0008, 0x001A), DICOMTag(0x0008, 0x0062),
        DICOMTag(0x0040, 0xDB0C), DICOMTag(0x0008, 0x010C),
    ]

    /// The VR the profile's generic rules go by: the element's own, or for VR UN (a writer that did not know
    /// the tag, or an implicit-VR file) the dictionary's.
    static func effectiveVR(of element: DICOMElement) -> DICOMVR {
        element.vr == .UN ? (DICOMDictionary.vr(for: element.tag) ?? .UN) : element.vr
    }

    /// Whether every value of a UN element reads as an instance UID (digits and dots, not DICOM-defined): such a
    /// value is remapped even though the tag is unknown, so no UID of the original study survives by accident.
    static func looksLikeInstanceUIDs(_ values: [String]) -> Bool {
        !values.isEmpty && values.allSatisfy { value in
            let parts = value.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count >= 3 && value.utf8.count <= 64 && !value.hasPrefix("1.2.840.10008.")
                && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { (48...57).contains($0) } }
        }
    }

    private func clean(_ dataset: DICOMDataset, patientKey: String, shift: Int, counts: inout Counts) throws
        -> DICOMDataset {
        var out = [DICOMElement]()
        let little = dataset.isLittleEndian
        for element in dataset.elements {
            let tag = element.tag
            if tag.isPrivate {
                counts.removed += 1
                counts.removedPrivate += 1
                continue
            }
            if tag.group & 0xFF00 == 0x5000 || (tag.group & 0xFF00 == 0x6000 && (tag.element == 0x3000 || tag.element == 0x4000)) {
                counts.removed += 1
                continue
            }
            var element = element
            // The profile applies by tag whatever VR the file gave the element (PS3.15 E.1.1): a UID written
            // as UN is remapped like one written as UI.
            let vr = Self.effectiveVR(of: element)
            if element.vr == .UN, vr.isText { element.vr = vr }
            let action = AnnexEProfile.action(for: tag)
            switch action {
            case .remove?:
                counts.removed += 1
                continue
            case .empty?:
                element.value = .bytes([])
                counts.replaced += 1
                out.append(element)
                continue
            case .dummy?:
                element.value = .bytes(ArraySlice(Array(patientPseudonym(patientKey).utf8)))
                counts.replaced += 1
                out.append(element)
                continue
            case .remapUID?, .shiftDate?, nil:
                break
            }
            switch element.value {
            case .sequence(let items):
                element.value = .sequence(try items.map {
                    try clean($0, patientKey: patientKey, shift: shift, counts: &counts)
                })
            case .bytes(let bytes):
                let values = { DICOMDataset(elements: [element], isLittleEndian: little).strings(tag) }
                if action == .remapUID || (vr == .UI && !Self.classUIDTags.contains(tag))
                    || (vr == .UN && Self.looksLikeInstanceUIDs(values())) {
                    let remapped = values().map { uid -> String in
                        if uid.isEmpty || uid.hasPrefix("1.2.840.10008.") { return uid }
                        counts.uids += 1
                        return remappedUID(uid)
                    }
                    element.value = .bytes(ArraySlice(Array(remapped.joined(separator: "\\").utf8)))
                    if element.vr == .UN { element.vr = .UI }
                } else if action == .shiftDate || vr == .DA || vr == .DT {
                    let isDateTime = vr == .DT || (vr != .DA && bytes.count > 10)
                    let shifted = values().map { value -> String in
                        if value.isEmpty { return value }
                        counts.dates += 1
                        return Self.shiftDate(value, days: shift, isDateTime: isDateTime) ?? ""
                    }
                    element.value = .bytes(ArraySlice(Array(shifted.joined(separator: "\\").utf8)))
                } else if vr == .PN {
                    if !bytes.isEmpty {
                        element.value = .bytes([])
                        counts.replaced += 1
                    }
                } else if vr == .SQ || (element.vr == .UN && bytes.count >= 8 && Self.startsWithItem(bytes)) {
                    // A sequence whose items could not be read: it cannot be de-identified, so it goes.
                    counts.removed += 1
                    continue
                }
            case .fragments:
                break
            }
            out.append(element)
        }
        return DICOMDataset(elements: out, isLittleEndian: little)
    }

    /// Whether a value starts with an Item tag (FFFE,E000) in either byte order.
    static func startsWithItem(_ bytes: ArraySlice<UInt8>) -> Bool {
        let head = Array(bytes.prefix(4))
        return head == [0xFE, 0xFF, 0x00, 0xE0] || head == [0xFF, 0xFE, 0xE0, 0x00]
    }

    /// Shifts a DA (`YYYYMMDD`) or the date part of a DT by `days`; nil when the date cannot be parsed
    /// (the caller then empties the value rather than keep an unparsed date).
    static func shiftDate(_ value: String, days: Int, isDateTime: Bool) -> String? {
        let chars = Array(value.utf8)
        guard chars.count >= 8, chars.prefix(8).allSatisfy({ (48...57).contains($0) }) else {
            // DT may carry just a year or year+month: shift those by whole... keep nothing identifying.
            return nil
        }
        if !isDateTime && chars.count != 8 { return nil }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(chars[$1] - 48) } }
        let year = number(0..<4), month = number(4..<6), day = number(6..<8)
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        let shifted = civil(fromDays: daysFromCivil(year: year, month: month, day: day) + days)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let date = pad(shifted.year, 4) + pad(shifted.month, 2) + pad(shifted.day, 2)
        return date + String(decoding: chars.dropFirst(8), as: UTF8.self)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date `days` after 1970-01-01.
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Deidentifier {
    /// De-identifies the DICOM file at `input` and writes the result atomically to `output`, after checking that
    /// it reads back.
    ///
    /// - Throws: ``ImageFileError`` naming the file that could not be read or written; ``DICOMError`` or
    ///   ``DeidentificationError`` when de-identification fails.
    public func deidentify(path input: String, writingTo output: String) throws -> DeidentificationReport {
        try ImageFileError.requireFile(input)
        let source: DICOMFile
        do { source = try DICOMFile(contentsOf: URL(fileURLWithPath: input)) } catch let error as DICOMError {
            throw ImageFileError.unreadable(file: input, reason: error.description)
        } catch {
            throw ImageFileError.unreadable(file: input, reason: error.localizedDescription)
        }
        let (clean, report) = try deidentify(source)
        let bytes = try DICOMWriter.write(clean)
        // Never write something our own reader cannot read back.
        _ = try DICOMFile(bytes: bytes)
        do { try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
            throw ImageFileError.cannotWrite(file: output, reason: error.localizedDescription)
        }
        return report
    }
}

extension Deidentifier {
    /// The command's one-line help.
    public static let abstract = "Write a de-identified copy of a DICOM file (PS3.15 Annex E Basic Profile)."
    /// The description shown by `medsearch deid --help`.
    public static let discussion = """
        Removes or replaces patient-identifying attributes following the DICOM PS3.15 Annex E Basic \
        Application Level Confidentiality Profile with the Modified Dates option: names and IDs become keyed \
        pseudonyms, dates are shifted by a per-patient offset, UIDs are remapped consistently \
        (2.25.<HMAC-SHA256>), private attributes are removed. Pseudonyms are HMAC-SHA256 under a \
        per-deployment secret kept in the key file (created with 32 random bytes, mode 0600, on first use); \
        keep it to get the same pseudonyms for the same patient next time, and keep it secret.
        Pixels are NOT changed: the report says whether Burned In Annotation is YES (or not stated for \
        modalities that often carry text), in which case identifying text may remain in the image.
        The output is Explicit VR Little Endian (compressed pixel data keeps its transfer syntax).
        """
}

extension Deidentifier: CommandDocumentation {}
