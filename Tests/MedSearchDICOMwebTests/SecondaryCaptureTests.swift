import Crypto
import MedSearchCore
import MedSearchImaging
import Testing
@testable import MedSearchDICOMweb

@Suite struct SecondaryCaptureTests {
    static func gradient(rows: Int = 6, columns: Int = 5) -> PixelBuffer {
        PixelBuffer(rows: rows, columns: columns, samplesPerPixel: 1, bitsAllocated: 8, photometric: .monochrome2,
                    samples: (0..<(rows * columns)).map { Int32($0 * 8) })
    }

    @Test func uidsAreDeterministicAndValid() {
        let uid = SecondaryCapture.uid("seed/study/0")
        #expect(uid == SecondaryCapture.uid("seed/study/0"))
        #expect(uid != SecondaryCapture.uid("seed/study/1"))
        #expect(uid.hasPrefix("2.25."))
        #expect(uid.count <= 64)
        #expect(QIDOMatch.isUID(uid))
    }

    @Test func anInstanceReadsBackWithItsPixelsAndAttributes() throws {
        let patient = SecondaryCapture.Patient(id: "SYN-1", name: "Able^Alex", birthDate: "19500101", sex: "F")
        let placement = SecondaryCapture.Placement(studyUID: "1.2.3", seriesUID: "1.2.3.1", sopInstanceUID: "1.2.3.1.1",
                                                   studyDate: "20240102", studyDescription: "Chest",
                                                   accessionNumber: "ACC1", instanceNumber: 3)
        let bytes = try DICOMWriter.write(SecondaryCapture.make(Self.gradient(), patient: patient, placement: placement))
        let file = try DICOMFile(bytes: bytes)
        #expect(file.transferSyntax == .explicitVRLittleEndian)
        #expect(file.meta.string(.mediaStorageSOPClassUID) == SecondaryCapture.sopClassUID)
        #expect(file.dataset.string(.sopInstanceUID) == "1.2.3.1.1")
        #expect(file.dataset.string(.patientName) == "Able^Alex")
        #expect(file.dataset.string(.studyDate) == "20240102")
        #expect(file.dataset.string(DICOMwebAttributes.instanceNumber) == "3")
        #expect(file.dataset.string(DICOMwebAttributes.bodyPartExamined) == "CHEST")
        let pixels = try file.decodePixels()
        #expect(pixels.rows == 6 && pixels.columns == 5)
        #expect(pixels.samples == Self.gradient().samples)
        // It passes the STOW checks.
        _ = try STOWInstance.examine(MultipartPart(headers: [:], body: bytes, size: bytes.count, index: 0),
                                     maximumPartBytes: 1 << 20)
        // Golden: the same input gives the same bytes (pinned).
        #expect(Hex.encode(SHA256.hash(data: bytes)) == SecondaryCaptureTests.goldenSHA256)
    }

    static let goldenSHA256 = "68147240bd190d278a06dc4908fa6e058244a66ef5d18fd5083daa7d69774545"

    @Test func sixteenBitInputIsScaledToEightBits() throws {
        let wide = PixelBuffer(rows: 1, columns: 2, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12,
                               photometric: .monochrome2, samples: [0, 4095])
        let file = try SecondaryCapture.make(wide, patient: .init(id: "a", name: "b", birthDate: "", sex: "O"),
                                             placement: .init(studyUID: "1", seriesUID: "1.1", sopInstanceUID: "1.1.1",
                                                              studyDate: "20200101", studyDescription: "",
                                                              accessionNumber: "", instanceNumber: 1))
        #expect(try file.decodePixels().samples == [0, 255])
        #expect(throws: DICOMError.self) {
            _ = try SecondaryCapture.make(PixelBuffer(rows: 1, columns: 1, samplesPerPixel: 3, bitsAllocated: 8,
                                                      photometric: .rgb, samples: [1, 2, 3]),
                                          patient: .init(id: "a", name: "b", birthDate: "", sex: "O"),
                                          placement: .init(studyUID: "1", seriesUID: "1.1", sopInstanceUID: "1.1.1",
                                                           studyDate: "", studyDescription: "", accessionNumber: "",
                                                           instanceNumber: 1))
        }
    }

    @Test func aStudySetGroupsInstancesIntoStudiesAndPatients() throws {
        let images = (0..<10).map { _ in Self.gradient() }
        let set = try SecondaryCapture.studySet(images, perStudy: 3, seed: "t")
        #expect(set.count == 10)
        #expect(Set(set.map(\.placement.studyUID)).count == 4)  // 3 + 3 + 3 + 1
        #expect(Set(set.map(\.patient.id)).count == 2)  // two studies per patient
        #expect(set.map(\.placement.instanceNumber) == [1, 2, 3, 1, 2, 3, 1, 2, 3, 1])
        #expect(Set(set.map(\.placement.sopInstanceUID)).count == 10)
        let catalog = try set.map { try DICOMFile(bytes: $0.bytes).dataset }
        let studies = QIDOSearch(records: catalog).run(try QIDOQuery(level: .study, items: [("PatientID", set[0].patient.id)]))
        #expect(studies.total == 2)
    }
}
