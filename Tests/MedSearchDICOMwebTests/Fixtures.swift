import Foundation
import MedSearchImaging
import _MedSearchTestSupport

/// The imaging tests' DICOM fixtures (shipped in the repository) and small builders.
enum Fixtures {
    static func url(_ name: String) -> URL {
        TestData.root.appendingPathComponent("Tests/MedSearchImagingTests/Fixtures").appendingPathComponent(name)
    }

    static func bytes(_ name: String) throws -> [UInt8] { try DICOMFile.readBytes(url(name)) }

    static func file(_ name: String) throws -> DICOMFile { try DICOMFile(contentsOf: url(name)) }

    static func text(_ tag: DICOMTag, _ vr: DICOMVR, _ value: String) -> DICOMElement {
        DICOMElement(tag: tag, vr: vr, string: value)
    }

    /// A catalog record (instance attributes) for QIDO tests.
    static func record(patientID: String, name: String, study: String, date: String, series: String,
                       modality: String, instance: String, description: String = "") -> DICOMDataset {
        DICOMDataset(elements: [
            text(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7"),
            text(.sopInstanceUID, .UI, instance),
            text(.studyDate, .DA, date),
            text(.modality, .CS, modality),
            text(DICOMTag(0x0008, 0x1030), .LO, description),
            text(.patientName, .PN, name),
            text(.patientID, .LO, patientID),
            text(.studyInstanceUID, .UI, study),
            text(.seriesInstanceUID, .UI, series),
            DICOMElement(tag: .rows, vr: .US, value: .bytes([0, 2])),
        ])
    }
}
