import Foundation
import MedSearchImaging
import Testing
@testable import MedSearchDICOMweb

@Suite struct DICOMJSONTests {
    /// A data set with one attribute of each kind of JSON encoding.
    static func sample() -> DICOMDataset {
        DICOMDataset(elements: [
            Fixtures.text(DICOMTag(0x0008, 0x0005), .CS, "ISO_IR 192"),
            Fixtures.text(DICOMTag(0x0008, 0x0008), .CS, "ORIGINAL\\PRIMARY"),
            Fixtures.text(.studyDate, .DA, "20240131"),
            Fixtures.text(.patientName, .PN, "Doe^Jane=ド^ジ"),
            Fixtures.text(DICOMTag(0x0020, 0x0013), .IS, "7 "),
            Fixtures.text(.windowCenter, .DS, "40.5\\-1000"),
            DICOMElement(tag: .rows, vr: .US, value: .bytes([0x00, 0x02])),
            DICOMElement(tag: DICOMTag(0x0018, 0x6028), vr: .FD, value: .bytes(ArraySlice(withUnsafeBytes(of: (0.25).bitPattern.littleEndian, Array.init)))),
            DICOMElement(tag: DICOMTag(0x0020, 0x5000), vr: .AT, value: .bytes([0x10, 0x00, 0x20, 0x00])),
            DICOMElement(tag: DICOMTag(0x0008, 0x1140), vr: .SQ, value: .sequence([
                DICOMDataset(elements: [Fixtures.text(DICOMTag(0x0008, 0x1155), .UI, "1.2.3")]),
            ])),
            Fixtures.text(DICOMTag(0x0008, 0x1030), .LO, "Chest \"PA\""),
            Fixtures.text(DICOMTag(0x0008, 0x0090), .PN, ""),
            DICOMElement(tag: .pixelData, vr: .OB, value: .bytes([1, 2, 3, 4])),
        ])
    }

    @Test func encodesEachRepresentationAsPS3_18AnnexFSays() {
        let json = DICOMJSON.encodeObject(Self.sample())
        let expected = #"{"00080005":{"vr":"CS","Value":["ISO_IR 192"]},"#
            + #""00080008":{"vr":"CS","Value":["ORIGINAL","PRIMARY"]},"#
            + #""00080020":{"vr":"DA","Value":["20240131"]},"#
            + #""00080090":{"vr":"PN"},"#
            + #""00081030":{"vr":"LO","Value":["Chest \"PA\""]},"#
            + #""00081140":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["1.2.3"]}}]},"#
            + #""00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^Jane","Ideographic":"ド^ジ"}]},"#
            + #""00186028":{"vr":"FD","Value":[0.25]},"#
            + #""00200013":{"vr":"IS","Value":[7]},"#
            + #""00205000":{"vr":"AT","Value":["00100020"]},"#
            + #""00280010":{"vr":"US","Value":[512]},"#
            + #""00281050":{"vr":"DS","Value":[40.5,-1000]},"#
            + #""7FE00010":{"vr":"OB","InlineBinary":"AQIDBA=="}}"#
        #expect(json == expected)
    }

    @Test func bulkDataCanBeOmittedOrReferenced() {
        let omitted = DICOMJSON.encodeObject(Self.sample(), bulkData: .omit)
        #expect(omitted.hasSuffix(#""7FE00010":{"vr":"OB"}}"#))
        let referenced = DICOMJSON.encodeObject(Self.sample(), bulkData: .uri(threshold: 4) { tag in
            "https://pacs.example/bulk/\(DICOMJSON.hexTag(tag))"
        })
        #expect(referenced.hasSuffix(#""7FE00010":{"vr":"OB","BulkDataURI":"https://pacs.example/bulk/7FE00010"}}"#))
    }

    @Test func decodingGivesBackTheValues() throws {
        let decoded = try #require(try DICOMJSON.decode(Array(DICOMJSON.encode([Self.sample()]).utf8)).first)
        #expect(decoded.string(.patientName) == "Doe^Jane=ド^ジ")
        #expect(decoded.strings(DICOMTag(0x0008, 0x0008)) == ["ORIGINAL", "PRIMARY"])
        #expect(decoded.string(DICOMTag(0x0020, 0x0013)) == "7")
        #expect(decoded.strings(.windowCenter) == ["40.5", "-1000"])
        #expect(try decoded.integer(.rows) == 512)
        #expect(try decoded.doubles(DICOMTag(0x0018, 0x6028)) == [0.25])
        #expect(decoded[DICOMTag(0x0020, 0x5000)]?.bytes.map(Array.init) == [0x10, 0x00, 0x20, 0x00])
        #expect(decoded.items(DICOMTag(0x0008, 0x1140))?.first?.string(DICOMTag(0x0008, 0x1155)) == "1.2.3")
        #expect(decoded.string(DICOMTag(0x0008, 0x1030)) == "Chest \"PA\"")
        #expect(decoded[.pixelData]?.bytes.map(Array.init) == [1, 2, 3, 4])
        // Encoding the decoded data set gives the same text: the model is stable.
        #expect(DICOMJSON.encodeObject(decoded) == DICOMJSON.encodeObject(Self.sample()))
    }

    @Test func readsTheStandardsExample() throws {
        // In the shape of PS3.18 Table F.2.1-1's example (a QIDO-RS study result).
        let text = #"""
        [{"0020000D": {"vr": "UI", "Value": ["1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873"]},
          "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Wang^XiaoDong", "Ideographic": "王^小東"}]},
          "00201208": {"vr": "IS", "Value": [4]},
          "00080061": {"vr": "CS", "Value": ["CT", "PET"]},
          "00080090": {"vr": "PN"}}]
        """#
        let study = try #require(try DICOMJSON.decode(Array(text.utf8)).first)
        #expect(study.string(.studyInstanceUID) == "1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873")
        #expect(study.string(.patientName) == "Wang^XiaoDong=王^小東")
        #expect(study.string(DICOMTag(0x0020, 0x1208)) == "4")
        #expect(study.strings(DICOMTag(0x0008, 0x0061)) == ["CT", "PET"])
        #expect(study[DICOMTag(0x0008, 0x0090)]?.bytes?.isEmpty == true)
    }

    @Test(arguments: [
        ("{\"0010001\": {\"vr\": \"PN\"}}", "is not an 8-digit tag"),
        ("{\"00100010\": {\"vr\": \"XX\"}}", "has no valid vr"),
        ("{\"00280010\": {\"vr\": \"US\", \"Value\": [70000]}}", "out of range"),
        ("{\"00280010\": {\"vr\": \"US\", \"Value\": [\"a\"]}}", "not a number"),
        ("[1]", "not an object"),
        ("nonsense", "not JSON"),
    ])
    func refusesMalformedDocuments(_ text: String, _ reason: String) {
        #expect {
            _ = try DICOMJSON.decode(Array(text.utf8))
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }

    @Test func refusesDeepNesting() {
        var text = "{}"
        for _ in 0..<40 { text = "{\"00081140\": {\"vr\": \"SQ\", \"Value\": [\(text)]}}" }
        #expect(throws: DICOMwebError.invalidJSON("sequences nested too deep")) {
            _ = try DICOMJSON.decode(Array(text.utf8))
        }
    }
}
