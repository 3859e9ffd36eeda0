import Foundation
import _MedSearchTestSupport
@testable import MedSearchImaging
import Testing

/// De-identification (PS3.15 Annex E Basic Profile) and the Part 10 writer.
@Suite struct DeidTests {
    /// A fixed, test-only secret (insecure by construction: never use a constant secret in production).
    static let insecureTestSecret: [UInt8] = Array(0..<32).map { UInt8($0) }

    static func deidentifier() throws -> Deidentifier { try Deidentifier(secretBytes: insecureTestSecret) }

    @Test func ctIsDeidentifiedAndReReads() throws {
        let source = try DICOMFixtures.file("CT_small.dcm")
        let deid = try Self.deidentifier()
        let (clean, report) = try deid.deidentify(source)
        let bytes = try DICOMWriter.write(clean)
        let reread = try DICOMFile(bytes: bytes)
        let out = reread.dataset

        #expect(reread.hasPreamble && reread.transferSyntax == .explicitVRLittleEndian)
        // Names and IDs: keyed pseudonyms, the originals appear nowhere in the output bytes.
        let originalName = try #require(source.dataset.string(.patientName))
        let originalID = try #require(source.dataset.string(.patientID))
        #expect(out.string(.patientID) == deid.patientPseudonym(originalID))
        #expect(out.string(.patientName) == deid.patientPseudonym(originalID))
        for secret in [originalName, originalID] where secret.count >= 4 {
            #expect(!bytes.contains(subsequence: Array(secret.utf8)), "\(secret.count)-byte identifier leaked")
        }
        // UIDs: remapped to 2.25 UIDs, consistently, meta group in step with the data set.
        let study = try #require(source.dataset.string(.studyInstanceUID))
        let newStudy = try #require(out.string(.studyInstanceUID))
        #expect(newStudy == deid.remappedUID(study) && newStudy != study)
        #expect(newStudy.hasPrefix("2.25.") && newStudy.count <= 64)
        #expect(newStudy.allSatisfy { $0 == "." || $0.isNumber })
        #expect(reread.meta.string(.mediaStorageSOPInstanceUID) == out.string(.sopInstanceUID))
        #expect(out.string(.sopClassUID) == source.dataset.string(.sopClassUID))
        // Dates: shifted by this patient's offset.
        if let studyDate = source.dataset.string(.studyDate) {
            #expect(out.string(.studyDate) == Deidentifier.shiftDate(studyDate, days: report.dateShiftDays, isDateTime: false))
            #expect(out.string(.studyDate) != studyDate)
        }
        // Private attributes gone; the record of what was done present.
        #expect(source.dataset.elements.contains { $0.tag.isPrivate })
        #expect(!out.elements.contains { $0.tag.isPrivate })
        #expect(report.removedPrivate > 0)
        #expect(out.string(.patientIdentityRemoved) == "YES")
        #expect(out.string(.patientBirthDate)?.isEmpty ?? true)
        // Pixels untouched.
        #expect(try reread.decodePixels() == source.decodePixels())
        #expect(report.burnedInAnnotation == .notStated && !report.pixelsNeedReview)
        // Deterministic under one secret, different under another.
        let (again, _) = try deid.deidentify(bytes: DICOMFixtures.bytes("CT_small.dcm"))
        #expect(again == bytes)
        let other = try Deidentifier(secretBytes: Array(repeating: 0x42, count: 32))
        #expect(other.remappedUID(study) != newStudy)
    }

    @Test func nestedUIDsAndNamesAreHandledConsistently() throws {
        let instance = "1.2.826.0.1.3680043.2.1125.1"
        let reference = DICOMDataset(elements: [
            DICOMElement(tag: DICOMTag(0x0008, 0x1150), vr: .UI, string: "1.2.840.10008.5.1.4.1.1.2"),
            DICOMElement(tag: DICOMTag(0x0008, 0x1155), vr: .UI, string: instance),
            DICOMElement(tag: DICOMTag(0x0040, 0xA123), vr: .PN, string: "Doe^Jane"),
            DICOMElement(tag: DICOMTag(0x0011, 0x1010), vr: .LO, string: "private"),
        ])
        let dataset = DICOMDataset(elements: [
            DICOMElement(tag: .sopClassUID, vr: .UI, string: "1.2.840.10008.5.1.4.1.1.2"),
            DICOMElement(tag: .sopInstanceUID, vr: .UI, string: instance),
            DICOMElement(tag: .patientID, vr: .LO, string: "PID-1"),
            DICOMElement(tag: DICOMTag(0x0008, 0x1115), vr: .SQ, value: .sequence([reference])),
            DICOMElement(tag: DICOMTag(0x0008, 0x0090), vr: .PN, string: "Referrer^Dr"),
            DICOMElement(tag: DICOMTag(0x0010, 0x2297), vr: .PN, string: "Responsible^Person"),
            DICOMElement(tag: DICOMTag(0x0008, 0x002A), vr: .DT, string: "20240101123000.5+0100"),
            DICOMElement(tag: DICOMTag(0x6000, 0x3000), vr: .OW, value: .bytes([1, 2])),
        ])
        let file = DICOMFile(meta: DICOMDataset(), dataset: dataset, transferSyntax: .explicitVRLittleEndian)
        let deid = try Self.deidentifier()
        let (clean, report) = try deid.deidentify(file)
        let out = try DICOMFile(bytes: DICOMWriter.write(clean)).dataset
        let item = try #require(out.items(DICOMTag(0x0008, 0x1115))?.first)
        #expect(item.string(DICOMTag(0x0008, 0x1155)) == out.string(.sopInstanceUID))
        #expect(item.string(DICOMTag(0x0008, 0x1155)) == deid.remappedUID(instance))
        #expect(item.string(DICOMTag(0x0008, 0x1150)) == "1.2.840.10008.5.1.4.1.1.2")  // class UIDs kept
        #expect(item.string(DICOMTag(0x0040, 0xA123)) == "")          // PN in a sequence emptied
        #expect(!item.contains(DICOMTag(0x0011, 0x1010)))               // private tag in a sequence removed
        #expect(out.string(DICOMTag(0x0008, 0x0090)) == "")             // Z
        #expect(!out.contains(DICOMTag(0x0010, 0x2297)))                // X
        #expect(!out.contains(DICOMTag(0x6000, 0x3000)))                // overlay data
        let shift = deid.dateShiftDays("PID-1")
        #expect(report.dateShiftDays == shift && (-3650...(-1)).contains(shift))
        #expect(out.string(DICOMTag(0x0008, 0x002A)) == Deidentifier.shiftDate("20240101123000.5+0100", days: shift, isDateTime: true))
    }

    @Test func burnedInAnnotationIsReported() throws {
        var file = try DICOMFixtures.file("CT_small.dcm")
        var dataset = file.dataset
        dataset.set(DICOMElement(tag: .burnedInAnnotation, vr: .CS, string: "YES"))
        file.dataset = dataset
        let (_, report) = try Self.deidentifier().deidentify(file)
        #expect(report.burnedInAnnotation == .yes && report.pixelsNeedReview)
        // Secondary capture without the flag: review recommended.
        let (_, scReport) = try Self.deidentifier().deidentify(DICOMFixtures.file("SC_rgb_rle.dcm"))
        #expect(scReport.burnedInAnnotation == .notStated && scReport.pixelsNeedReview)
    }

    @Test func shortSecretIsRejected() {
        #expect(throws: DeidentificationError.secretTooShort(minimum: 32, actual: 16)) {
            try Deidentifier(secretBytes: Array(repeating: 1, count: 16))
        }
    }

    @Test func dateShiftMatchesFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = seededGenerator(20_260_122)
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd"
        for _ in 0..<300 {
            let year = Int.random(in: 1900...2100, using: &generator)
            let month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...28, using: &generator)
            let shift = Int.random(in: -4000...4000, using: &generator)
            let date = calendar.date(from: DateComponents(year: year, month: month, day: day))!
            let expected = formatter.string(from: calendar.date(byAdding: .day, value: shift, to: date)!)
            let text = String(format: "%04d%02d%02d", year, month, day)
            #expect(Deidentifier.shiftDate(text, days: shift, isDateTime: false) == expected)
        }
        #expect(Deidentifier.shiftDate("20000301", days: -1, isDateTime: false) == "20000229")
        #expect(Deidentifier.shiftDate("2024", days: -1, isDateTime: true) == nil)
        #expect(Deidentifier.shiftDate("20241301", days: -1, isDateTime: false) == nil)
    }

    @Test func uidDecimalKnownAnswers() {
        #expect(Deidentifier.decimal(Array(repeating: 0xFF, count: 16)) == "340282366920938463463374607431768211455")
        #expect(Deidentifier.decimal([0, 0, 1, 0]) == "256")
        #expect(Deidentifier.decimal([0, 0]) == "0")
    }

    /// Every fixture that parses writes back to a file with the same elements and pixels.
    @Test(arguments: ["CT_small.dcm", "MR_small_RLE.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm",
                      "image_dfl.dcm", "rtplan.dcm", "SC_rgb_jpeg_dcmtk.dcm", "emri_small_RLE.dcm",
                      "liver_1frame.dcm", "ExplVR_LitEndNoMeta.dcm"])
    func writerRoundTrip(name: String) throws {
        let source = try DICOMFixtures.file(name)
        let reread = try DICOMFile(bytes: DICOMWriter.write(source))
        #expect(reread.dataset.elements.map(\.tag) == source.dataset.elements.map(\.tag))
        if source.dataset.isLittleEndian {
            // Same values, except odd-length values that gained their padding byte.
            for (a, b) in zip(source.dataset.elements, reread.dataset.elements) where a.bytes != nil {
                let x = Array(a.bytes!), y = Array(b.bytes!)
                #expect(y == x || (x.count % 2 == 1 && Array(y.dropLast()) == x), "\(a.tag)")
            }
        }
        if source.hasPixelData {
            #expect(try reread.decodePixels() == source.decodePixels())
        }
        // And writing the re-read file again is a fixed point.
        #expect(try DICOMWriter.write(reread) == DICOMWriter.write(DICOMFile(bytes: DICOMWriter.write(reread))))
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
