import MedSearchCore
import MedSearchDICOMweb
import MedSearchImaging
import Testing
import _MedSearchTestSupport

/// Fixed values of every DICOMweb format (the identity record kept to re-identify an instance), pinned by
/// golden bytes.
enum DICOMwebGolden {
    static let record = try! IdentityRecord(
        pseudonymousSOPInstanceUID: "2.25.123456789012345678901234567890",
        patientPseudonym: "ANON-0123456789abcdef01234567",
        original: DICOMDataset(elements: [
            Fixtures.text(.sopInstanceUID, .UI, "1.2.826.0.1.3680043.2.1125.1.1"),
            Fixtures.text(.studyDate, .DA, "20200101"),
            Fixtures.text(.patientName, .PN, "Doe^Jane"),
            Fixtures.text(.patientID, .LO, "PAT-0042"),
        ]),
        addedTags: [DICOMTag(0x0012, 0x0062), DICOMTag(0x0012, 0x0063)])

    static var samples: [GoldenSample] {
        [GoldenSample(record)]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct DICOMwebGoldenTests {
    @Test(arguments: DICOMwebGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(DICOMwebGolden.samples) }
}
