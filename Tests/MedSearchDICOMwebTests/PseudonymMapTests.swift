import MedSearchCore
import MedSearchImaging
import Testing
@testable import MedSearchDICOMweb

@Suite struct PseudonymMapTests {
    static let secret = (0..<32).map { UInt8($0 * 7 + 1) }

    func map() throws -> PseudonymMap { PseudonymMap(deidentifier: try Deidentifier(secretBytes: Self.secret)) }

    @Test(arguments: ["CT_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "JPEG-LL.dcm",
                      "emri_small_RLE.dcm", "image_dfl.dcm"])
    func reidentificationGivesBackTheOriginalElementForElement(_ name: String) throws {
        var map = try map()
        let source = try Fixtures.file(name)
        let (clean, _, record) = try map.deidentify(source)
        // What leaves the trusted side: no original patient name, ID or instance UID.
        let cleanBytes = try DICOMWriter.write(clean)
        let reread = try DICOMFile(bytes: cleanBytes)
        if let name = source.dataset.string(.patientName), !name.isEmpty {
            #expect(reread.dataset.string(.patientName) != name)
        }
        let originalUID = try #require(source.dataset.string(.sopInstanceUID))
        #expect(reread.dataset.string(.sopInstanceUID) != originalUID)
        #expect(!cleanBytes.contains(subsequence: Array(originalUID.utf8)))

        // The record survives serialisation and re-identifies the stored (re-read, little-endian) copy.
        let restoredRecord = try IdentityRecord(serialized: try record.serialized())
        #expect(restoredRecord.pseudonymousSOPInstanceUID == reread.dataset.string(.sopInstanceUID))
        map.insert(restoredRecord)
        let original = try map.reidentify(reread.dataset)
        let expected = try PseudonymMap.littleEndian(source.dataset)
        let expectedElements = expected.elements.filter { $0.tag.group != 0x0002 }
        #expect(original.elements.count == expectedElements.count)
        for (got, want) in zip(original.elements, expectedElements) {
            #expect(got.tag == want.tag)
            #expect(got.value == want.value, "\(want.tag)")
        }
        // Looked up through the keyed pseudonym of the original UID.
        #expect(map.record(originalSOPInstanceUID: originalUID) == restoredRecord)
        #expect(map.record(originalSOPInstanceUID: "1.2.3.4") == nil)
    }

    @Test func patientPseudonymsAreKeyed() throws {
        let source = try Fixtures.file("CT_small.dcm")
        let (_, _, record) = try map().deidentify(source)
        let other = PseudonymMap(deidentifier: try Deidentifier(secretBytes: Array(Self.secret.reversed())))
        let (_, _, otherRecord) = try other.deidentify(source)
        #expect(record.patientPseudonym.hasPrefix("ANON-"))
        #expect(record.patientPseudonym != otherRecord.patientPseudonym)
        #expect(record.pseudonymousSOPInstanceUID != otherRecord.pseudonymousSOPInstanceUID)
        #expect(record.original.string(.patientName) == source.dataset.string(.patientName))
        #expect(record.original[.pixelData] == nil)
    }

    @Test func unknownInstancesAndBadRecordsAreRefused() throws {
        let map = try map()
        #expect(throws: PseudonymMapError.unknownInstance) { _ = try map.reidentify(try Fixtures.file("CT_small.dcm").dataset) }
        #expect(throws: (any Error).self) { _ = try IdentityRecord(serialized: [1, 2, 3]) }
        var bytes = try map.deidentify(try Fixtures.file("CT_small.dcm")).record.serialized()
        bytes.removeLast(10)
        #expect(throws: (any Error).self) { _ = try IdentityRecord(serialized: bytes) }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        return (0...(count - needle.count)).contains { start in self[start..<(start + needle.count)].elementsEqual(needle) }
    }
}
