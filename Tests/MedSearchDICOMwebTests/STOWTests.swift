import MedSearchImaging
import Testing
@testable import MedSearchDICOMweb

@Suite struct STOWTests {
    func part(_ bytes: [UInt8]?, type: String? = "application/dicom", size: Int? = nil) -> MultipartPart {
        MultipartPart(headers: type.map { ["content-type": $0] } ?? [:], body: bytes, size: size ?? bytes?.count ?? 0,
                      index: 2)
    }

    func failure(_ part: MultipartPart, study: String? = nil) -> STOWFailure? {
        do {
            _ = try STOWInstance.examine(part, maximumPartBytes: 1000, study: study)
            return nil
        } catch {
            return error as? STOWFailure
        }
    }

    @Test func aGoodInstancePasses() throws {
        let file = try STOWInstance.examine(part(try Fixtures.bytes("CT_small.dcm")), maximumPartBytes: 1 << 20)
        #expect(file.dataset.string(.modality) == "CT")
    }

    @Test func eachBadPartGetsItsOwnReason() throws {
        #expect(failure(part(nil, size: 5000))?.reason == .outOfResources)
        #expect(failure(part(nil, size: 5000))?.text == "part 3 is larger than 1000 bytes")
        #expect(failure(part([1, 2, 3], type: "image/png"))?.text == "part 3 is image/png, not application/dicom")
        #expect(failure(part(Array("%PDF-1.4 not an image at all, just text".utf8)))?.text == "not a DICOM instance")
        let truncated = try #require(failure(part(try Fixtures.bytes("MR_truncated.dcm"))))
        #expect(truncated.reason == .cannotUnderstand)
        #expect(truncated.text == "truncated instance")
        let noPixels = try #require(failure(part(try Fixtures.bytes("rtplan.dcm"))))
        #expect(noPixels.reason == .sopClassNotSupported)
        #expect(noPixels.sopInstanceUID?.isEmpty == false)

        var jpeg2000 = try Fixtures.file("JPEG-lossy.dcm")
        jpeg2000.transferSyntax = .jpeg2000Lossless
        let unsupported = try #require(failure(part(try DICOMWriter.write(jpeg2000))))
        #expect(unsupported.reason == .transferSyntaxNotSupported)
        #expect(unsupported.text == "unsupported transfer syntax 1.2.840.10008.1.2.4.90")

        var withoutUID = try Fixtures.file("CT_small.dcm")
        withoutUID.dataset.remove(.sopInstanceUID)
        withoutUID.meta = DICOMDataset()
        let missing = try #require(failure(part(try DICOMWriter.write(withoutUID))))
        #expect(missing.reason == .dataSetDoesNotMatchSOPClass)

        let otherStudy = try #require(failure(part(try Fixtures.bytes("CT_small.dcm")), study: "1.2.3"))
        #expect(otherStudy.reason == .dataSetDoesNotMatchSOPClass)
        #expect(otherStudy.text == "instance is not in the study of the request URL")
    }

    @Test func decodeErrorsAreClassified() {
        #expect(STOWInstance.classify(DICOMError.pixelDataTooShort(expected: 10, actual: 5)).text == "truncated instance")
        #expect(STOWInstance.classify(DICOMError.unsupportedTransferSyntax(uid: "1.2.840.10008.1.2.4.80", name: "JPEG-LS")).reason
                == .transferSyntaxNotSupported)
        #expect(STOWInstance.classify(STOWFailure(.duplicateSOPInstance, "x")).reason == .duplicateSOPInstance)
        let long = STOWFailure(.processingFailure, String(repeating: "a", count: 100))
        #expect(long.text.count == 64)
        #expect(long.description.hasPrefix("failure 0x110: "))
    }

    @Test func responseJSONAndStatus() {
        let response = STOWResponse(
            studyRetrieveURL: "http://h/dicom-web/studies/1.2",
            stored: [.init(sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: "1.2.3",
                           retrieveURL: "http://h/dicom-web/studies/1.2/series/1.2.1/instances/1.2.3")],
            failed: [STOWFailure(.duplicateSOPInstance, "duplicate SOP Instance UID",
                                 sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: "1.2.4"),
                     STOWFailure(.cannotUnderstand, "not a DICOM instance")])
        let expected = #"{"00081190":{"vr":"UR","Value":["http://h/dicom-web/studies/1.2"]},"#
            + #""00081198":{"vr":"SQ","Value":["#
            + #"{"00000902":{"vr":"LO","Value":["duplicate SOP Instance UID"]},"00081150":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.7"]},"00081155":{"vr":"UI","Value":["1.2.4"]},"00081197":{"vr":"US","Value":[273]}},"#
            + #"{"00000902":{"vr":"LO","Value":["not a DICOM instance"]},"00081150":{"vr":"UI"},"00081155":{"vr":"UI"},"00081197":{"vr":"US","Value":[49152]}}]},"#
            + #""00081199":{"vr":"SQ","Value":[{"00081150":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.7"]},"00081155":{"vr":"UI","Value":["1.2.3"]},"00081190":{"vr":"UR","Value":["http://h/dicom-web/studies/1.2/series/1.2.1/instances/1.2.3"]}}]}}"#
        #expect(response.json() == expected)
        #expect(response.httpStatus == 202)
        #expect(STOWResponse(stored: response.stored).httpStatus == 200)
        #expect(STOWResponse(failed: response.failed).httpStatus == 409)
        #expect(STOWResponse().httpStatus == 400)
    }
}
