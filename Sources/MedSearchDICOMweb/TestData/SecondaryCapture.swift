import Foundation
import Crypto
import MedSearchCore
import MedSearchImaging

/// Makes DICOM Secondary Capture Image instances (SOP Class 1.2.840.10008.5.1.4.1.1.7) from 8-bit grayscale
/// images, with synthetic patient and study attributes: test data for the DICOMweb service and for PACS
/// scenarios (a study set of hundreds of instances from the chest X-ray PNGs).
///
/// Everything is deterministic: UIDs are `2.25.` and the decimal of 128 bits of SHA-256 over a label, so the
/// same inputs give byte-identical files (tests pin their SHA-256). Nothing here names a real person.
public enum SecondaryCapture {
    /// The Secondary Capture Image Storage SOP Class UID.
    public static let sopClassUID = "1.2.840.10008.5.1.4.1.1.7"

    /// A synthetic patient.
    public struct Patient: Sendable, Equatable {
        /// Patient ID.
        public var id: String
        /// Patient's Name (PN, `Family^Given`).
        public var name: String
        /// Patient's Birth Date (YYYYMMDD).
        public var birthDate: String
        /// Patient's Sex (M, F, O).
        public var sex: String
    }

    /// Where one instance sits: study, series and its number.
    @MemberwiseInit(.public)
    public struct Placement: Sendable, Equatable {
        /// Study Instance UID.
        public var studyUID: String
        /// Series Instance UID.
        public var seriesUID: String
        /// SOP Instance UID.
        public var sopInstanceUID: String
        /// Study Date (YYYYMMDD).
        public var studyDate: String
        /// Study Description.
        public var studyDescription: String
        /// Accession Number.
        public var accessionNumber: String
        /// Instance Number.
        public var instanceNumber: Int
        /// Modality of the series.
        public var modality: String = "CR"
    }

    /// A deterministic UID for `label`: `2.25.` and the decimal of the first 128 bits of SHA-256(label).
    public static func uid(_ label: String) -> String {
        "2.25." + Deidentifier.decimal(Array(SHA256.hash(data: Array("medsearch-synthetic:\(label)".utf8)).prefix(16)))
    }

    /// A Secondary Capture instance holding `image` (1 sample per pixel; samples clamped to 0...255).
    /// - Throws: ``DICOMError/unsupportedPixelFormat(reason:)`` for colour or multi-frame input.
    public static func make(_ image: PixelBuffer, patient: Patient, placement: Placement) throws -> DICOMFile {
        guard image.samplesPerPixel == 1, image.frames == 1 else {
            throw DICOMError.unsupportedPixelFormat(reason: "secondary capture input must be one grayscale frame")
        }
        let maximum = (1 << image.bitsStored) - 1
        var pixels = [UInt8](repeating: 0, count: image.rows * image.columns)
        for index in pixels.indices {
            let value = Int(image.samples[index])
            pixels[index] = UInt8(maximum == 255 ? min(max(value, 0), 255) : min(max(value * 255 / max(maximum, 1), 0), 255))
        }
        if pixels.count % 2 == 1 { pixels.append(0) }
        func text(_ tag: DICOMTag, _ vr: DICOMVR, _ value: String) -> DICOMElement {
            DICOMElement(tag: tag, vr: vr, string: value)
        }
        func us(_ tag: DICOMTag, _ value: Int) -> DICOMElement {
            DICOMElement(tag: tag, vr: .US, value: .bytes([UInt8(value & 0xFF), UInt8(value >> 8)]))
        }
        let dataset = DICOMDataset(elements: [
            text(DICOMTag(0x0008, 0x0005), .CS, "ISO_IR 100"),
            text(DICOMTag(0x0008, 0x0008), .CS, "DERIVED\\SECONDARY"),
            text(.sopClassUID, .UI, sopClassUID),
            text(.sopInstanceUID, .UI, placement.sopInstanceUID),
            text(.studyDate, .DA, placement.studyDate),
            text(DICOMTag(0x0008, 0x0023), .DA, placement.studyDate),
            text(DICOMwebAttributes.studyTime, .TM, "090000"),
            text(DICOMwebAttributes.accessionNumber, .SH, placement.accessionNumber),
            text(.modality, .CS, placement.modality),
            text(DICOMTag(0x0008, 0x0064), .CS, "WSD"),
            text(DICOMTag(0x0008, 0x0090), .PN, "Synthetic^Referrer"),
            text(DICOMwebAttributes.studyDescription, .LO, placement.studyDescription),
            text(DICOMwebAttributes.seriesDescription, .LO, "Chest radiograph (PNG converted)"),
            text(.patientName, .PN, patient.name),
            text(.patientID, .LO, patient.id),
            text(.patientBirthDate, .DA, patient.birthDate),
            text(DICOMwebAttributes.patientSex, .CS, patient.sex),
            text(DICOMwebAttributes.bodyPartExamined, .CS, "CHEST"),
            text(.studyInstanceUID, .UI, placement.studyUID),
            text(.seriesInstanceUID, .UI, placement.seriesUID),
            text(DICOMwebAttributes.studyID, .SH, String(placement.accessionNumber.suffix(16))),
            text(DICOMwebAttributes.seriesNumber, .IS, "1"),
            text(DICOMwebAttributes.instanceNumber, .IS, String(placement.instanceNumber)),
            text(DICOMTag(0x0020, 0x0020), .CS, ""),
            us(.samplesPerPixel, 1),
            text(.photometricInterpretation, .CS, "MONOCHROME2"),
            us(.rows, image.rows),
            us(.columns, image.columns),
            us(.bitsAllocated, 8),
            us(.bitsStored, 8),
            us(.highBit, 7),
            us(.pixelRepresentation, 0),
            text(.burnedInAnnotation, .CS, "NO"),
            DICOMElement(tag: .pixelData, vr: .OB, value: .bytes(ArraySlice(pixels))),
        ])
        let meta = DICOMDataset(elements: [
            text(.mediaStorageSOPClassUID, .UI, sopClassUID),
            text(.mediaStorageSOPInstanceUID, .UI, placement.sopInstanceUID),
            text(.transferSyntaxUID, .UI, TransferSyntax.explicitVRLittleEndian.uid),
        ])
        return DICOMFile(meta: meta, dataset: dataset, transferSyntax: .explicitVRLittleEndian)
    }

    /// A synthetic study set: `images` grouped into studies of `perStudy` instances (one series each), patients
    /// and dates derived from `seed` and the study number. Returns Part 10 bytes with their placements, in order.
    /// - Throws: the errors of ``make(_:patient:placement:)`` and ``DICOMWriter/write(_:)``.
    public static func studySet(_ images: [PixelBuffer], perStudy: Int, seed: String) throws
        -> [(patient: Patient, placement: Placement, bytes: [UInt8])] {
        let families = ["Able", "Baker", "Carter", "Dalton", "Ellis", "Foster", "Grant", "Hayes", "Irwin", "Jensen"]
        let givens = ["Alex", "Sam", "Robin", "Kim", "Jo", "Lee", "Max", "Pat"]
        var out: [(Patient, Placement, [UInt8])] = []
        let size = max(perStudy, 1)
        for (index, image) in images.enumerated() {
            let study = index / size, number = index % size + 1
            let patientNumber = study / 2  // two studies per patient keep longitudinal links to test
            let patient = Patient(id: "SYN-\(seed)-\(String(format: "%04d", patientNumber))",
                                  name: "\(families[patientNumber % families.count])^\(givens[patientNumber % givens.count])",
                                  birthDate: String(format: "19%02d%02d%02d", 40 + patientNumber % 50,
                                                    1 + patientNumber % 12, 1 + patientNumber % 28),
                                  sex: ["F", "M"][patientNumber % 2])
            let placement = Placement(
                studyUID: uid("\(seed)/study/\(study)"), seriesUID: uid("\(seed)/series/\(study)"),
                sopInstanceUID: uid("\(seed)/instance/\(index)"),
                studyDate: String(format: "20%02d%02d%02d", 10 + study % 15, 1 + study % 12, 1 + study % 28),
                studyDescription: "Chest X-ray study \(study + 1) (synthetic)",
                accessionNumber: "ACC\(seed.prefix(6))\(String(format: "%05d", study))", instanceNumber: number)
            out.append((patient, placement, try DICOMWriter.write(make(image, patient: patient, placement: placement))))
        }
        return out
    }
}
