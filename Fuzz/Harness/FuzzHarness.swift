import MedSearchImaging

/// What each fuzz target does with one input, shared by the libFuzzer executables (Fuzz/DICOM, ...) and the
/// regression tests that replay every reproducer the fuzzers found (MedSearchImagingTests `FuzzRegressionTests`).
///
/// Every input must give a value or a typed error. A decoder that traps (index out of range, overflow), hangs or
/// allocates beyond its limits fails the fuzzer; a broken invariant of a successful decode throws
/// ``Violation`` (the executables turn it into a crash).
public enum FuzzHarness {
    /// A successful decode that contradicts itself (e.g. a de-identified file that does not re-read).
    public struct Violation: Error, CustomStringConvertible {
        public var description: String
    }

    /// The budget inputs are decoded under. Every input that honours it stays far below the `-rss_limit_mb`
    /// of scripts/fuzz.sh, so a run that reaches that limit found a decoder that ignores its limits.
    public static let limits = DecodeLimits(maxPixels: 1 << 22, maxFrames: 64, maxBytes: 64 << 20,
                                            maxNestingDepth: 48)

    /// The targets, by the name of their corpus folder.
    public static let targets: [String: @Sendable ([UInt8]) throws -> Void] = [
        "dicom": dicom, "png": png, "jpeg": jpeg, "npz": npz,
    ]

    /// DICOM: parse, decode up to four frames (native, RLE, JPEG baseline and lossless, YBR_FULL_422), display
    /// conversion, inspect, de-identify, write, and re-read what was written.
    public static func dicom(_ bytes: [UInt8]) throws {
        guard let file = try? DICOMFile(bytes: bytes, limits: limits) else { return }
        _ = try? ImageInspector.dicomReport(file)
        if file.hasPixelData, let attributes = try? file.pixelAttributes() {
            for frame in 0..<min(attributes.frames, 4) {
                _ = try? file.colorFrame(frame)
            }
            _ = try? file.grayImage(frame: 0)
        }
        guard let deidentifier, let (clean, _) = try? deidentifier.deidentify(file),
              let written = try? DICOMWriter.write(clean) else { return }
        do {
            _ = try DICOMFile(bytes: written, limits: limits)
        } catch {
            throw Violation(description: "a de-identified output does not re-read: \(error)")
        }
    }

    /// Keyed with a fixed, fuzzing-only secret (never a production key).
    static let deidentifier = try? Deidentifier(secretBytes: [UInt8](repeating: 0x5A, count: 32))

    /// PNG: header, decode (every colour type, bit depth, filter, interlacing), the analysis form.
    public static func png(_ bytes: [UInt8]) throws {
        _ = try? PNGDecoder.readHeader(bytes)
        guard let buffer = try? PNGDecoder.decode(bytes, limits: limits) else { return }
        try check(buffer.samples.count == buffer.rows * buffer.columns * buffer.samplesPerPixel, "PNG sample count")
        _ = buffer.grayImage()
    }

    /// JPEG: every input through both decoders, libjpeg-turbo (baseline, extended, progressive) and the Swift
    /// lossless (process 14) decoder.
    public static func jpeg(_ bytes: [UInt8]) throws {
        _ = try? JPEGDecoder.header(bytes)
        if let buffer = try? JPEGDecoder.decode(bytes, limits: limits) {
            try check(buffer.samples.count == buffer.rows * buffer.columns * buffer.samplesPerPixel, "JPEG sample count")
        }
        if let image = try? JPEGLosslessDecoder.decode(bytes[...], limits: limits) {
            try check(image.samples.count == image.width * image.height * image.components, "lossless sample count")
        }
    }

    /// NumPy: `.npy` arrays and `.npz` archives (ZIP, ZIP64, stored and deflated entries, CRCs), each array also
    /// read as an image stack.
    public static func npz(_ bytes: [UInt8]) throws {
        var arrays: [NPYArray] = []
        if let array = try? NPYArray(npy: bytes, limits: limits) { arrays.append(array) }
        if let archive = try? NPZArchive(bytes: bytes, limits: limits) {
            for name in archive.names.prefix(8) {
                if let array = try? archive.array(named: name) { arrays.append(array) }
            }
        }
        for array in arrays {
            try check(array.data.count == array.count * array.dtype.size, "NPY data size")
            _ = try? array.imageBuffers(limits: limits)
            if array.count <= 1 << 16 {
                _ = try? array.int32s()
                _ = array.doubles()
            }
        }
    }

    static func check(_ condition: Bool, _ what: String) throws {
        guard condition else { throw Violation(description: what) }
    }
}
