import Foundation

/// Reads an image file of any supported format, recognised by its content rather than its name.
///
/// PNG (signature), JPEG (`FF D8 FF`), DICOM (`DICM` at offset 128, or a file without preamble) are
/// dispatched to their decoders; a single-image `.npy` is read as one image.
public enum ImageLoader {
    /// The format detected from the first bytes of a file.
    public enum Format: String, Sendable, Equatable {
        case png, jpeg, dicom, npy, npz
    }

    /// Detects the format of `bytes` from its magic numbers.
    ///
    /// - Returns: the format, or nil when none matches.
    public static func detectFormat(_ bytes: [UInt8]) -> Format? {
        if PNGDecoder.isPNG(bytes) { return .png }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 132, bytes[128..<132].elementsEqual("DICM".utf8) { return .dicom }
        if bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) { return .npy }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .npz }
        if looksLikeRawDICOM(bytes) { return .dicom }
        return nil
    }

    /// Reads and decodes the image file at `url` under `limits`.
    ///
    /// - Throws: ``RasterError/fileUnreadable(path:reason:)``, ``RasterError/unrecognisedFormat``, or the
    ///   decoder's error (``DecodeLimitExceeded/find(in:)`` recognises a limit error of any format).
    public static func load(_ url: URL, limits: DecodeLimits = .default) throws -> PixelBuffer {
        try decode(readBytes(url), limits: limits)
    }

    /// The bytes of the file at `url`.
    static func readBytes(_ url: URL) throws(RasterError) -> [UInt8] {
        do { return Array(try Data(contentsOf: url)) } catch {
            throw RasterError.fileUnreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Reads the file at `url` and returns its analysis form (one frame, 0...1, display orientation).
    ///
    /// DICOM goes through the DICOM reader's display pipeline (Modality LUT, the file's VOI window or the
    /// frame's full range, MONOCHROME1 inversion, palette/YBR colour to luma); other formats through
    /// ``PixelBuffer/grayImage(frame:rescale:scaling:)`` with automatic scaling.
    public static func loadGrayImage(_ url: URL, limits: DecodeLimits = .default) throws -> GrayImage {
        try grayImage(readBytes(url), limits: limits)
    }

    /// The analysis form of an image held in memory (see ``loadGrayImage(_:limits:)``).
    public static func grayImage(_ bytes: [UInt8], limits: DecodeLimits = .default) throws -> GrayImage {
        if detectFormat(bytes) == .dicom { return try DICOMFile(bytes: bytes, limits: limits).grayImage() }
        return try decode(bytes, limits: limits).grayImage()
    }

    /// Decodes an image held in memory under `limits`, dispatching on its content (DICOM: every frame).
    ///
    /// - Throws: ``RasterError/unrecognisedFormat`` or the decoder's error; a header that declares more than
    ///   `limits` is refused before the image is allocated (``DecodeLimitExceeded/find(in:)``).
    public static func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) throws -> PixelBuffer {
        switch detectFormat(bytes) {
        case .png:
            return try PNGDecoder.decode(bytes, limits: limits)
        case .jpeg:
            return try JPEGDecoder.decode(bytes, limits: limits)
        case .dicom:
            return try DICOMFile(bytes: bytes, limits: limits).decodePixels()
        case .npy:
            let images = try NPYArray(npy: bytes, limits: limits).imageBuffers(limits: limits)
            guard images.count == 1 else {
                throw RasterError.unsupported(format: "NPY", feature: "a stack of \(images.count) images (use NPZArchive)")
            }
            return images[0]
        case .npz:
            throw RasterError.unsupported(format: "NPZ", feature: "archive as a single image (use NPZArchive)")
        case nil:
            throw RasterError.unrecognisedFormat
        }
    }

    /// A DICOM stream without preamble starts with a group 0002 or 0008 element in little-endian order.
    private static func looksLikeRawDICOM(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 8 else { return false }
        let group = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        guard group == 0x0002 || group == 0x0008 else { return false }
        let vr = String(decoding: bytes[4..<6], as: UTF8.self)
        let knownVRs: Set<String> = ["AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB",
                                     "OD", "OF", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "TM", "UI", "UL", "UN",
                                     "US", "UT", "UC", "UR", "OL", "OV", "SV", "UV"]
        // Explicit VR, or implicit VR with a plausible 32-bit length.
        return knownVRs.contains(vr) || (UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24) < 1 << 20
    }
}
