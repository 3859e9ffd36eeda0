/// The Image Pixel module attributes that say how to decode pixel data, validated.
public struct DICOMPixelAttributes: Sendable, Equatable {
    /// Rows (height).
    public var rows: Int
    /// Columns (width).
    public var columns: Int
    /// Number of frames (1 when the attribute is absent).
    public var frames: Int
    /// Samples per pixel (1 or 3).
    public var samplesPerPixel: Int
    /// Bits allocated per sample (1, 8, 16 or 32).
    public var bitsAllocated: Int
    /// Bits stored per sample.
    public var bitsStored: Int
    /// Whether samples are two's complement signed (Pixel Representation 1).
    public var isSigned: Bool
    /// The Photometric Interpretation as written in the file.
    public var photometricName: String
    /// Planar configuration: 0 interleaved (R,G,B,...), 1 by plane (R...R,G...G,B...B).
    public var planarConfiguration: Int

    /// The photometric interpretation as an enum (nil for values PixelBuffer does not model).
    public var photometric: Photometric? { Photometric(rawValue: photometricName) }

    /// Bytes of one frame of native (uncompressed) pixel data; 1-bit frames are counted in bits / 8 rounded up.
    public var nativeFrameBits: Int { rows * columns * samplesPerPixel * bitsAllocated }

    /// Reads and validates the pixel attributes of `dataset`.
    /// - Throws: ``DICOMError/missingAttribute(tag:)``, ``DICOMError/invalidValue(tag:reason:)`` or
    ///   ``DICOMError/unsupportedPixelFormat(reason:)``.
    public init(_ dataset: DICOMDataset) throws {
        func required(_ tag: DICOMTag) throws -> Int {
            guard let value = try dataset.integer(tag) else { throw DICOMError.missingAttribute(tag: tag) }
            return value
        }
        rows = try required(.rows)
        columns = try required(.columns)
        bitsAllocated = try required(.bitsAllocated)
        samplesPerPixel = try dataset.integer(.samplesPerPixel) ?? 1
        bitsStored = try dataset.integer(.bitsStored) ?? bitsAllocated
        isSigned = (try dataset.integer(.pixelRepresentation) ?? 0) == 1
        planarConfiguration = try dataset.integer(.planarConfiguration) ?? 0
        photometricName = dataset.string(.photometricInterpretation) ?? (samplesPerPixel == 3 ? "RGB" : "MONOCHROME2")
        if dataset.contains(.numberOfFrames) {
            guard let text = dataset.string(.numberOfFrames), let value = Int(text) else {
                throw DICOMError.invalidValue(tag: .numberOfFrames, reason: "not an integer string")
            }
            frames = value
        } else {
            frames = 1
        }
        guard (1...65535).contains(rows) else { throw DICOMError.invalidValue(tag: .rows, reason: "out of range") }
        guard (1...65535).contains(columns) else {
            throw DICOMError.invalidValue(tag: .columns, reason: "out of range")
        }
        guard frames >= 1, frames <= 1 << 24 else {
            throw DICOMError.invalidValue(tag: .numberOfFrames, reason: "out of range")
        }
        guard [1, 8, 16, 32].contains(bitsAllocated) else {
            throw DICOMError.unsupportedPixelFormat(reason: "bits allocated \(bitsAllocated)")
        }
        guard bitsStored >= 1, bitsStored <= bitsAllocated else {
            throw DICOMError.invalidValue(tag: .bitsStored, reason: "\(bitsStored) with \(bitsAllocated) allocated")
        }
        guard samplesPerPixel == 1 || samplesPerPixel == 3 else {
            throw DICOMError.unsupportedPixelFormat(reason: "samples per pixel \(samplesPerPixel)")
        }
        guard planarConfiguration == 0 || planarConfiguration == 1 else {
            throw DICOMError.invalidValue(tag: .planarConfiguration, reason: "not 0 or 1")
        }
        if samplesPerPixel == 3 && bitsAllocated == 1 {
            throw DICOMError.unsupportedPixelFormat(reason: "1-bit colour")
        }
    }
}
