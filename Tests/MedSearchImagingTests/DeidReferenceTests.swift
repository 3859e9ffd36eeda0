import Foundation
@testable import MedSearchImaging
import Testing
import _MedSearchTestSupport

/// De-identification by tag whatever the VR (issue 14, item 9), checked with an independent reader: every
/// de-identified output is read back by pydicom (`scripts/reference/dicom_dump.py` in `.venv-test`), which must
/// parse it, find no original instance UID, patient name or ID anywhere, and find the same pixels.
@Suite struct DeidReferenceTests {
    static let original = (
        study: "1.2.826.0.1.3680043.8.498.1001",
        series: "1.2.826.0.1.3680043.8.498.1002",
        instance: "1.2.826.0.1.3680043.8.498.1003",
        frame: "1.2.826.0.1.3680043.8.498.1004",
        referenced: "1.2.826.0.1.3680043.8.498.1005",
        concatenation: "1.2.826.0.1.3680043.8.498.1006",
        name: "Doe^Jane", patientID: "PID-778899"
    )

    /// A Part 10 file whose identifying attributes an explicit-VR writer stored as UN: UIDs, names and dates,
    /// a defined-length UN sequence (items in implicit VR little endian, PS3.5 6.2.2) and a UID in a tag the
    /// dictionary does not know. `bigEndian` writes the data set in explicit VR big endian.
    static func unknownVRFile(bigEndian: Bool = false) -> [UInt8] {
        let o = original
        var items = DICOMStreamBuilder()  // implicit VR little endian, as UN sequences are encoded
        var item = DICOMStreamBuilder()
        item.implicit(0x0008, 0x1155, DICOMStreamBuilder.text(o.referenced, pad: 0))
        item.implicit(0x0020, 0x000E, DICOMStreamBuilder.text(o.series, pad: 0))
        items.tag(0xFFFE, 0xE000); items.u32(UInt32(item.bytes.count)); items.bytes += item.bytes

        var b = DICOMStreamBuilder()
        b.little = !bigEndian
        b.explicit(0x0008, 0x0016, "UI", DICOMStreamBuilder.text("1.2.840.10008.5.1.4.1.1.7", pad: 0))
        b.explicit(0x0008, 0x0018, "UN", DICOMStreamBuilder.text(o.instance, pad: 0))
        b.explicit(0x0008, 0x0020, "UN", DICOMStreamBuilder.text("20190304"))
        b.explicit(0x0008, 0x0060, "CS", DICOMStreamBuilder.text("OT"))
        b.explicit(0x0008, 0x1115, "UN", items.bytes)
        b.explicit(0x0010, 0x0010, "UN", DICOMStreamBuilder.text(o.name))
        b.explicit(0x0010, 0x0020, "UN", DICOMStreamBuilder.text(o.patientID))
        b.explicit(0x0010, 0x0030, "UN", DICOMStreamBuilder.text("19700101"))
        b.explicit(0x0018, 0x0015, "UN", DICOMStreamBuilder.text("CHEST"))
        b.explicit(0x0020, 0x000D, "UN", DICOMStreamBuilder.text(o.study, pad: 0))
        b.explicit(0x0020, 0x000E, "UN", DICOMStreamBuilder.text(o.series, pad: 0))
        b.explicit(0x0020, 0x0052, "UN", DICOMStreamBuilder.text(o.frame, pad: 0))
        b.explicit(0x0020, 0x9161, "UN", DICOMStreamBuilder.text(o.concatenation, pad: 0))
        let us: (UInt16) -> [UInt8] = { bigEndian ? [UInt8($0 >> 8), UInt8($0 & 0xFF)] : [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        b.explicit(0x0028, 0x0002, "US", us(1))
        b.explicit(0x0028, 0x0004, "CS", DICOMStreamBuilder.text("MONOCHROME2"))
        b.explicit(0x0028, 0x0010, "US", us(4))
        b.explicit(0x0028, 0x0011, "US", us(4))
        b.explicit(0x0028, 0x0100, "US", us(8))
        b.explicit(0x0028, 0x0101, "US", us(8))
        b.explicit(0x0028, 0x0102, "US", us(7))
        b.explicit(0x0028, 0x0103, "US", us(0))
        b.explicit(0x7FE0, 0x0010, "OB", (0..<16).map { UInt8($0 * 16) })

        var meta = DICOMStreamBuilder()
        meta.explicit(0x0002, 0x0001, "OB", [0, 1])
        meta.explicit(0x0002, 0x0002, "UI", DICOMStreamBuilder.text("1.2.840.10008.5.1.4.1.1.7", pad: 0))
        meta.explicit(0x0002, 0x0003, "UI", DICOMStreamBuilder.text(o.instance, pad: 0))
        meta.explicit(0x0002, 0x0010, "UI", DICOMStreamBuilder.text(bigEndian ? "1.2.840.10008.1.2.2" : "1.2.840.10008.1.2.1", pad: 0))
        var group = DICOMStreamBuilder()
        group.explicit(0x0002, 0x0000, "UL", [UInt8(meta.bytes.count & 0xFF), UInt8(meta.bytes.count >> 8), 0, 0])
        return [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + group.bytes + meta.bytes + b.bytes
    }

    @Test(arguments: [false, true])
    func uidsStoredAsUNAreRemapped(bigEndian: Bool) throws {
        let deid = try DeidTests.deidentifier()
        let source = try DICOMFile(bytes: Self.unknownVRFile(bigEndian: bigEndian))
        #expect(source.dataset[.studyInstanceUID]?.vr == .UN)
        #expect(source.dataset[DICOMTag(0x0008, 0x1115)]?.items?.count == 1, "the UN sequence is read as items")
        let (clean, _) = try deid.deidentify(source)
        let out = try DICOMFile(bytes: DICOMWriter.write(clean)).dataset
        let o = Self.original
        #expect(out.string(.studyInstanceUID) == deid.remappedUID(o.study))
        #expect(out.string(.seriesInstanceUID) == deid.remappedUID(o.series))
        #expect(out.string(.sopInstanceUID) == deid.remappedUID(o.instance))
        #expect(out.string(DICOMTag(0x0020, 0x0052)) == deid.remappedUID(o.frame))
        #expect(out.string(DICOMTag(0x0020, 0x9161)) == deid.remappedUID(o.concatenation))
        #expect(out[.studyInstanceUID]?.vr == .UI, "a known UN attribute is written with its VR")
        let item = try #require(out.items(DICOMTag(0x0008, 0x1115))?.first)
        #expect(item.string(DICOMTag(0x0008, 0x1155)) == deid.remappedUID(o.referenced))
        #expect(item.string(.seriesInstanceUID) == deid.remappedUID(o.series))
        #expect(out.string(.patientName) == deid.patientPseudonym(o.patientID))
        #expect(out.string(.patientID) == deid.patientPseudonym(o.patientID))
        #expect(out.string(.patientBirthDate)?.isEmpty ?? true)
        #expect(out.string(.studyDate) == Deidentifier.shiftDate("20190304", days: deid.dateShiftDays(o.patientID),
                                                                 isDateTime: false))
        #expect(out.string(DICOMTag(0x0018, 0x0015)) == "CHEST", "attributes the profile keeps stay")
    }

    /// Every de-identified output, read by pydicom.
    @Test(.enabled(if: PythonReference.hasPydicom,
                   "needs .venv-test with pydicom: MEDSEARCH_PYTHON_ENV=test scripts/reference/python.sh (scripts/test.sh runs it)"))
    func pydicomReadsEveryDeidentifiedOutputAndFindsNoIdentifier() throws {
        var sources: [(String, [UInt8])] = [("unknown-vr-le", Self.unknownVRFile()),
                                            ("unknown-vr-be", Self.unknownVRFile(bigEndian: true))]
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: DICOMFixtures.url("").path)
            .filter { $0.hasSuffix(".dcm") }.sorted()
        for name in fixtures { sources.append((name, try DICOMFixtures.bytes(name))) }
        if let shared = TestData.sharedFile("dicom") {
            for name in try FileManager.default.contentsOfDirectory(atPath: shared.path).sorted()
            where name.hasSuffix(".dcm") && !fixtures.contains(name) {
                sources.append((name, try DICOMFile.readBytes(shared.appendingPathComponent(name))))
            }
        }
        let deid = try DeidTests.deidentifier()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("medsearch-deid-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        struct Case {
            var name: String
            var path: String
            var forbidden: Set<String>
            var expected: [String: String]
            var frame0: String?
        }
        var cases: [Case] = []
        for (name, bytes) in sources {
            guard let source = try? DICOMFile(bytes: bytes) else { continue }  // broken on purpose (e.g. badVR)
            let (clean, _) = try deid.deidentify(source)
            let output = try DICOMWriter.write(clean)
            let path = directory.appendingPathComponent(name + ".deid.dcm").path
            try Data(output).write(to: URL(fileURLWithPath: path))
            var forbidden = Self.instanceUIDs(in: source.dataset).union(Self.instanceUIDs(in: source.meta))
            var expected: [String: String] = ["00120062": "YES"]
            for tag in [DICOMTag.studyInstanceUID, .seriesInstanceUID, .sopInstanceUID, DICOMTag(0x0020, 0x0052)] {
                if let uid = source.dataset.string(tag), !uid.isEmpty {
                    expected[String(format: "%08X", tag.rawValue)] = deid.remappedUID(uid)
                }
            }
            for tag in [DICOMTag.patientName, .patientID] {
                if let value = source.dataset.string(tag), value.count >= 3 { forbidden.insert(value) }
            }
            let frame0 = source.hasPixelData ? (try? source.decodeFrame(0)).map {
                ImageInspector.pixelSummary($0, frame: 0).sha256
            } : nil
            cases.append(Case(name: name, path: path, forbidden: forbidden, expected: expected, frame0: frame0))
        }
        #expect(cases.count >= 15)
        let json = try PythonReference.run("dicom_dump.py", cases.map(\.path))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: Any]])
        var comparedPixels = 0
        for item in cases {
            let entry = try #require(report[item.path], "\(item.name): no report")
            guard entry["ok"] as? Bool == true else {
                Issue.record("\(item.name): pydicom cannot read the de-identified output: \(entry["error"] ?? "?")")
                continue
            }
            let elements = try #require(entry["elements"] as? [[String]])
            var topLevel: [String: String] = [:]
            let binary: Set<String> = ["OB", "OW", "OF", "OD", "OL", "OV", "UN", "US", "SS", "UL", "SL", "FL", "FD", "AT"]
            for element in elements {
                let (path, text) = (element[0], element[2])
                if !path.contains("/") { topLevel[path] = text }
                for value in text.split(separator: "\\").map(String.init) {
                    #expect(!item.forbidden.contains(value.trimmingCharacters(in: .whitespaces)),
                            "\(item.name): an original identifier survives at \(path)")
                }
                for secret in item.forbidden where !binary.contains(element[1]) && secret.count >= 6 && text.contains(secret) {
                    Issue.record("\(item.name): an original identifier is part of the value at \(path)")
                }
            }
            for (tag, value) in item.expected {
                #expect(topLevel[tag] == value, "\(item.name): pydicom reads \(tag) as \(topLevel[tag] ?? "nothing")")
            }
            if let theirs = entry["frame0_sha256"] as? String, let ours = item.frame0 {
                #expect(theirs == ours, "\(item.name): pixels differ after de-identification")
                comparedPixels += 1
            }
        }
        #expect(comparedPixels >= 10)
    }

    /// Instance UIDs of a data set and its items: values of UID attributes that are not DICOM-defined (class and
    /// transfer syntax UIDs excluded), whatever VR the file gave them.
    static func instanceUIDs(in dataset: DICOMDataset) -> Set<String> {
        var found = Set<String>()
        for element in dataset.elements {
            if let items = element.items {
                for item in items { found.formUnion(instanceUIDs(in: item)) }
                continue
            }
            let keyword = DICOMDictionary.keyword(for: element.tag) ?? ""
            let isUID = Deidentifier.effectiveVR(of: element) == .UI
                || (element.vr == .UN && Deidentifier.looksLikeInstanceUIDs(dataset.strings(element.tag)))
            guard isUID, !keyword.hasSuffix("ClassUID"), keyword != "TransferSyntaxUID" else { continue }
            for uid in dataset.strings(element.tag) where !uid.isEmpty && !uid.hasPrefix("1.2.840.10008.") {
                found.insert(uid)
            }
        }
        return found
    }
}
