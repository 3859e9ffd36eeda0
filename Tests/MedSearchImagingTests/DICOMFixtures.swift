import Foundation
import MedSearchImaging

/// The DICOM fixture files shipped with the tests (see Fixtures/README.md).
enum DICOMFixtures {
    static func url(_ name: String) -> URL {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("test bundle without Fixtures")
        }
        return directory.appendingPathComponent(name)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        try DICOMFile.readBytes(url(name))
    }

    static func file(_ name: String) throws -> DICOMFile {
        try DICOMFile(contentsOf: url(name))
    }

    /// The first 16 hex digits of the first frame's pixel SHA-256.
    static func hashPrefix(_ buffer: PixelBuffer) -> String {
        String(ImageInspector.pixelSummary(buffer, frame: 0).sha256.prefix(16))
    }
}

/// Builds DICOM byte streams by hand for parser tests.
struct DICOMStreamBuilder {
    var bytes = [UInt8]()
    var little = true

    mutating func u16(_ v: UInt16) { bytes += little ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)] }
    mutating func u32(_ v: UInt32) {
        let le = [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
        bytes += little ? le : le.reversed()
    }
    mutating func tag(_ group: UInt16, _ element: UInt16) { u16(group); u16(element) }
    /// An explicit-VR element with a short (16-bit) length.
    mutating func explicit(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: [UInt8]) {
        tag(group, element)
        bytes += Array(vr.utf8)
        if ["OB", "OW", "OF", "SQ", "UN", "UT", "UC", "UR", "OD", "OL", "OV", "SV", "UV"].contains(vr) {
            bytes += [0, 0]
            u32(UInt32(value.count))
        } else {
            u16(UInt16(value.count))
        }
        bytes += value
    }
    /// An implicit-VR element.
    mutating func implicit(_ group: UInt16, _ element: UInt16, _ value: [UInt8]) {
        tag(group, element)
        u32(UInt32(value.count))
        bytes += value
    }
    static func text(_ s: String, pad: UInt8 = 0x20) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(pad) }
        return b
    }
}
