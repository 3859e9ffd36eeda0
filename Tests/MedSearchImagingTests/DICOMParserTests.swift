import Foundation
import MedSearchImaging
import Testing

/// Parser and pixel decoding on the shipped fixtures and on hand-built streams.
@Suite struct DICOMParserTests {
    @Test func explicitLittleEndianCT() throws {
        let file = try DICOMFixtures.file("CT_small.dcm")
        #expect(file.hasPreamble)
        #expect(file.transferSyntax == .explicitVRLittleEndian)
        #expect(file.dataset.string(.modality) == "CT")
        let attributes = try file.pixelAttributes()
        #expect(attributes.rows == 128 && attributes.columns == 128 && attributes.isSigned)
        let pixels = try file.decodePixels()
        #expect(pixels.samples.count == 128 * 128)
        #expect(pixels.samples.min() == 128 && pixels.samples.max() == 2191)
        #expect(DICOMFixtures.hashPrefix(pixels) == "7a481f6ffff833ae")
    }

    @Test(arguments: ["MR_small_RLE.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm"])
    func sameMRPixelsInEveryEncoding(name: String) throws {
        let pixels = try DICOMFixtures.file(name).decodePixels()
        #expect(pixels.rows == 64 && pixels.columns == 64 && pixels.isSigned)
        #expect(DICOMFixtures.hashPrefix(pixels) == "88617aaa46138fb1")
        #expect(pixels.samples.min() == 127 && pixels.samples.max() == 2145)
    }

    @Test func multiFrameRLE() throws {
        let file = try DICOMFixtures.file("emri_small_RLE.dcm")
        let all = try file.decodePixels()
        #expect(all.frames == 10)
        #expect(all.samples.min() == 0 && all.samples.max() == 467)
        let first = try file.decodeFrame(0)
        #expect(first.samples == Array(all.frame(0)))
        #expect(DICOMFixtures.hashPrefix(first) == "c789183acdfdfb1c")
        let last = try file.decodeFrame(9)
        #expect(last.samples == Array(all.frame(9)))
        #expect(throws: DICOMError.frameOutOfRange(index: 10, frames: 10)) { try file.decodeFrame(10) }
    }

    @Test func deflatedDataSet() throws {
        let file = try DICOMFixtures.file("image_dfl.dcm")
        #expect(file.transferSyntax == .deflatedExplicitVRLittleEndian)
        #expect(DICOMFixtures.hashPrefix(try file.decodePixels()) == "1f5f1b1c1a57606a")
        // The inflated size is bounded: a small limit turns into a typed error, not an allocation.
        let limits = DecodeLimits(maxBytes: 10_000)
        #expect(throws: DICOMError.limitExceeded(DecodeLimitExceeded(
            format: "DICOM", limit: .bytes, what: "the inflated data set (inflation stopped at the limit)",
            declared: 10_001, maximum: 10_000))) {
            try DICOMFile(bytes: DICOMFixtures.bytes("image_dfl.dcm"), limits: limits)
        }
    }

    @Test func oneBitSegmentation() throws {
        let pixels = try DICOMFixtures.file("liver_1frame.dcm").decodePixels()
        #expect(pixels.bitsAllocated == 1)
        #expect(Set(pixels.samples) == [0, 1])
        #expect(DICOMFixtures.hashPrefix(pixels) == "e036a07b502fdfd1")
    }

    @Test func colourRLE() throws {
        let pixels = try DICOMFixtures.file("SC_rgb_rle.dcm").decodePixels()
        #expect(pixels.samplesPerPixel == 3 && pixels.photometric == .rgb)
        #expect(DICOMFixtures.hashPrefix(pixels) == "169e619557b12114")
    }

    /// Known answers measured with pydicom 3.0.2 + pylibjpeg 2 / pylibjpeg-libjpeg (not in the manifest, whose
    /// reader had no JPEG plugin).
    @Test func encapsulatedJPEG() throws {
        let baseline = try DICOMFixtures.file("SC_rgb_jpeg_dcmtk.dcm")
        let rgb = try baseline.decodePixels()
        #expect(rgb.photometric == .rgb && rgb.samplesPerPixel == 3)
        #expect(DICOMFixtures.hashPrefix(rgb) == "ddb100d8f45a7fbf")
        let lossless = try DICOMFixtures.file("JPEG-LL.dcm").decodePixels()
        #expect(lossless.rows == 1024 && lossless.columns == 256)
        #expect(lossless.samples.min() == 0 && lossless.samples.max() == 278)
        #expect(DICOMFixtures.hashPrefix(lossless) == "a6e9d32143339d3f")
        // 12-bit JPEG Extended: rejected with an error that names the transfer syntax.
        let extended = try DICOMFixtures.file("JPEG-lossy.dcm")
        do {
            _ = try extended.decodePixels()
            Issue.record("12-bit JPEG decoded unexpectedly")
        } catch DICOMError.unsupportedTransferSyntax(let uid, _) {
            #expect(uid == "1.2.840.10008.1.2.4.51")
        }
    }

    @Test func bareDataSetWithoutMeta() throws {
        let file = try DICOMFixtures.file("ExplVR_LitEndNoMeta.dcm")
        #expect(!file.hasPreamble && file.meta.elements.isEmpty)
        #expect(file.transferSyntax == .explicitVRLittleEndian && file.transferSyntaxUID == nil)
        #expect(file.dataset.string(.modality) == "RTPLAN")
    }

    @Test func objectWithoutPixels() throws {
        let file = try DICOMFixtures.file("rtplan.dcm")
        #expect(file.transferSyntax == .implicitVRLittleEndian)
        #expect(!file.hasPixelData)
        #expect(throws: DICOMError.self) { try file.decodePixels() }
        let report = try ImageInspector.dicomReport(file)
        #expect(report.pixelSHA256 == nil && report.rows == nil && report.frames == 0)
        // Implicit VR: nested sequences are recognised through the dictionary or the item-tag heuristic.
        #expect(file.dataset.elements.contains { $0.items != nil })
    }

    @Test func brokenFilesGiveTypedErrors() throws {
        #expect(throws: DICOMError.self) { try DICOMFixtures.file("MR_truncated.dcm").decodePixels() }
        #expect(throws: DICOMError.invalidValue(tag: .numberOfFrames, reason: "not an integer string")) {
            try DICOMFixtures.file("badVR.dcm").decodePixels()
        }
        #expect(throws: DICOMError.self) { try DICOMFile(bytes: [1, 2, 3]) }
        #expect(throws: DICOMError.self) { try DICOMFile(bytes: Array(repeating: 0xAB, count: 300)) }
    }

    @Test func handBuiltImplicitStreamWithUndefinedLengthSequence() throws {
        var b = DICOMStreamBuilder()
        b.implicit(0x0008, 0x0060, DICOMStreamBuilder.text("MR"))
        // (0008,1140) Referenced Image Sequence, undefined length, one undefined-length item.
        b.tag(0x0008, 0x1140); b.u32(0xFFFF_FFFF)
        b.tag(0xFFFE, 0xE000); b.u32(0xFFFF_FFFF)
        b.implicit(0x0008, 0x1155, DICOMStreamBuilder.text("1.2.3.4", pad: 0))
        b.tag(0xFFFE, 0xE00D); b.u32(0)
        b.tag(0xFFFE, 0xE0DD); b.u32(0)
        // An unknown private tag whose value is a defined-length sequence (item-tag heuristic).
        var inner = DICOMStreamBuilder()
        inner.tag(0xFFFE, 0xE000); inner.u32(10)
        inner.implicit(0x0010, 0x0010, Array("AB".utf8))
        b.implicit(0x0009, 0x1001, inner.bytes)
        b.implicit(0x0028, 0x0010, [2, 0])
        let file = try DICOMFile(bytes: b.bytes)
        #expect(file.transferSyntax == .implicitVRLittleEndian)
        #expect(file.dataset.string(.modality) == "MR")
        let items = try #require(file.dataset.items(DICOMTag(0x0008, 0x1140)))
        #expect(items.count == 1 && items[0].string(DICOMTag(0x0008, 0x1155)) == "1.2.3.4")
        #expect(file.dataset.items(DICOMTag(0x0009, 0x1001))?.first?.string(.patientName) == "AB")
        #expect(try file.dataset.integer(.rows) == 2)
    }

    @Test func handBuiltBigEndianStream() throws {
        var b = DICOMStreamBuilder()
        b.little = false
        b.explicit(0x0008, 0x0060, "CS", DICOMStreamBuilder.text("OT"))
        b.explicit(0x0028, 0x0002, "US", [0, 1])
        b.explicit(0x0028, 0x0004, "CS", DICOMStreamBuilder.text("MONOCHROME2"))
        b.explicit(0x0028, 0x0010, "US", [0, 1])
        b.explicit(0x0028, 0x0011, "US", [0, 2])
        b.explicit(0x0028, 0x0100, "US", [0, 16])
        b.explicit(0x0028, 0x0101, "US", [0, 16])
        b.explicit(0x0028, 0x0103, "US", [0, 1])
        b.explicit(0x7FE0, 0x0010, "OW", [0x01, 0x02, 0xFF, 0xFE])
        let file = try DICOMFile(bytes: b.bytes)
        #expect(file.transferSyntax == .explicitVRBigEndian)
        #expect(try file.decodePixels().samples == [0x0102, -2])
        // Written back as explicit VR little endian, the values survive.
        let reread = try DICOMFile(bytes: DICOMWriter.write(file))
        #expect(reread.transferSyntax == .explicitVRLittleEndian)
        #expect(try reread.decodePixels().samples == [0x0102, -2])
    }

    @Test func absurdLengthsAndDeepNestingAreRejected() throws {
        var b = DICOMStreamBuilder()
        b.explicit(0x0008, 0x0060, "CS", DICOMStreamBuilder.text("OT"))
        b.tag(0x0010, 0x0010); b.bytes += Array("UT".utf8) + [0, 0]; b.u32(0xFFFF_FFF0)
        #expect(throws: DICOMError.invalidLength(tag: .patientName, length: 0xFFFF_FFF0, offset: 10)) {
            try DICOMFile(bytes: b.bytes)
        }
        var deep = DICOMStreamBuilder()
        deep.explicit(0x0008, 0x0060, "CS", DICOMStreamBuilder.text("OT"))
        for _ in 0..<200 {
            deep.tag(0x0008, 0x1140); deep.bytes += Array("SQ".utf8) + [0, 0]; deep.u32(0xFFFF_FFFF)
            deep.tag(0xFFFE, 0xE000); deep.u32(0xFFFF_FFFF)
        }
        #expect(throws: DICOMError.limitExceeded(DecodeLimitExceeded(
            format: "DICOM", limit: .nestingDepth, what: "sequence nesting", declared: 49, maximum: 48))) {
            try DICOMFile(bytes: deep.bytes)
        }
        #expect(throws: DICOMError.limitExceeded(DecodeLimitExceeded(
            format: "DICOM", limit: .nestingDepth, what: "sequence nesting", declared: 5, maximum: 4))) {
            try DICOMFile(bytes: deep.bytes, limits: DecodeLimits(maxNestingDepth: 4))
        }
    }

    @Test func packBitsKnownAnswer() throws {
        // Apple TN1023's PackBits example, as one RLE segment of a 1x24 8-bit image.
        let packed: [UInt8] = [0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA, 0x03, 0x80, 0x00, 0x2A, 0x22, 0xF7, 0xAA]
        let expected: [Int32] = [0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0xAA, 0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0x22]
            + Array(repeating: 0xAA, count: 10)
        var header = [UInt8](repeating: 0, count: 64)
        header[0] = 1
        header[4] = 64
        var frame = header + packed
        frame.append(0)  // even length
        var b = DICOMStreamBuilder()
        b.explicit(0x0028, 0x0002, "US", [1, 0])
        b.explicit(0x0028, 0x0004, "CS", DICOMStreamBuilder.text("MONOCHROME2"))
        b.explicit(0x0028, 0x0010, "US", [1, 0])
        b.explicit(0x0028, 0x0011, "US", [24, 0])
        b.explicit(0x0028, 0x0100, "US", [8, 0])
        b.tag(0x7FE0, 0x0010); b.bytes += Array("OB".utf8) + [0, 0]; b.u32(0xFFFF_FFFF)
        b.tag(0xFFFE, 0xE000); b.u32(0)
        b.tag(0xFFFE, 0xE000); b.u32(UInt32(frame.count)); b.bytes += frame
        b.tag(0xFFFE, 0xE0DD); b.u32(0)
        let syntax = TransferSyntax.rleLossless
        let parsed = try DICOMFile(bytes: b.bytes)
        let file = DICOMFile(meta: DICOMDataset(elements: [DICOMElement(tag: .transferSyntaxUID, vr: .UI, string: syntax.uid)]),
                             dataset: parsed.dataset, transferSyntax: syntax)
        #expect(try file.decodePixels().samples == expected)
        // A segment that decodes short is an error.
        frame[64 + 13] = 0xF8
        var short = file
        var dataset = short.dataset
        dataset.set(DICOMElement(tag: .pixelData, vr: .OB, value: .fragments(offsetTable: [], fragments: [frame[...]])))
        short.dataset = dataset
        #expect(throws: DICOMError.self) { try short.decodePixels() }
    }
}

/// Native YBR_FULL_422 (issue 14, item 9): decoded like pydicom, the independent reader whose output for the
/// fixture is committed beside it (scripts/fixtures/make_ybr422_fixture.py).
@Suite struct YBRFull422Tests {
    struct Expected: Decodable {
        var rows: Int
        var columns: Int
        var frames: Int
        var ybr: [Int32]
        var rgb: [Int32]
    }

    @Test func nativeYBRFull422MatchesPydicom() throws {
        let expected = try JSONDecoder().decode(Expected.self,
                                                from: Data(contentsOf: DICOMFixtures.url("ybr_full_422.json")))
        let file = try DICOMFixtures.file("ybr_full_422.dcm")
        let stored = try file.decodePixels()
        #expect(stored.rows == expected.rows && stored.columns == expected.columns && stored.frames == expected.frames)
        #expect(stored.samplesPerPixel == 3 && stored.photometric == .ybrFull422)
        #expect(stored.samples == expected.ybr, "expanded YBR samples differ from pydicom's (as_rgb=False)")
        let rgb = try (0..<expected.frames).flatMap { try file.colorFrame($0).samples }
        #expect(rgb == expected.rgb, "RGB differs from pydicom's YBR_FULL to RGB conversion")
        #expect(try file.decodeFrame(1).samples == Array(expected.ybr[(expected.ybr.count / 2)...]))
        let report = try ImageInspector.dicomReport(file)
        #expect(report.photometric == "YBR_FULL_422" && report.samplesPerPixel == 3 && report.frames == 2)
        let gray = try file.grayImage(frame: 0)
        #expect(gray.values.allSatisfy { (0...1).contains($0) })
    }

    @Test func malformedYBRFull422IsRefusedWithAReason() throws {
        var b = DICOMStreamBuilder()
        func us(_ element: UInt16, _ value: UInt16) { b.explicit(0x0028, element, "US", [UInt8(value & 0xFF), UInt8(value >> 8)]) }
        b.explicit(0x0008, 0x0060, "CS", DICOMStreamBuilder.text("OT"))
        us(0x0002, 3)
        b.explicit(0x0028, 0x0004, "CS", DICOMStreamBuilder.text("YBR_FULL_422"))
        us(0x0010, 2); us(0x0011, 3); us(0x0100, 8); us(0x0101, 8)
        b.explicit(0x7FE0, 0x0010, "OB", [UInt8](repeating: 9, count: 12))
        #expect(throws: DICOMError.unsupportedPixelFormat(reason: "YBR_FULL_422 with an odd number of columns")) {
            try DICOMFile(bytes: b.bytes).decodePixels()
        }
    }
}
