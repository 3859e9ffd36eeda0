import Foundation
import MedSearchCore
import MedSearchDICOMweb
import MedSearchImaging
@testable import MedSearchWeb
import Testing
import _MedSearchTestSupport

/// Fixed values of every format the web application stores (DICOMweb catalog entries), pinned by golden bytes.
enum WebGolden {
    static func text(_ tag: DICOMTag, _ vr: DICOMVR, _ value: String) -> DICOMElement { DICOMElement(tag: tag, vr: vr, string: value) }

    static let entry = try! DICOMwebEntry(
        sopInstanceUID: "1.2.826.0.1.3680043.2.1125.1.1", imageID: "img-0011223344556677", frame: 0,
        attributes: DICOMDataset(elements: [text(.sopInstanceUID, .UI, "1.2.826.0.1.3680043.2.1125.1.1"),
                                            text(.modality, .CS, "DX"), text(.patientID, .LO, "PAT-0042")]),
        identity: try! IdentityRecord(pseudonymousSOPInstanceUID: "2.25.42", patientPseudonym: "ANON-00",
                                 original: DICOMDataset(elements: [text(.patientName, .PN, "Doe^Jane")]),
                                 addedTags: [DICOMTag(0x0012, 0x0062)]),
        storedAt: Date(timeIntervalSince1970: 1_790_000_000.25))

    static var samples: [GoldenSample] {
        [GoldenSample(entry)]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct WebGoldenTests {
    @Test(arguments: WebGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(WebGolden.samples) }
}
