/// What the stored pixel values mean (DICOM Photometric Interpretation, or the raster format's colour type).
public enum Photometric: String, Sendable, Equatable, Codable {
    case monochrome1 = "MONOCHROME1"
    case monochrome2 = "MONOCHROME2"
    case rgb = "RGB"
    case paletteColor = "PALETTE COLOR"
    case ybrFull = "YBR_FULL"
    case ybrFull422 = "YBR_FULL_422"
    case ybrPartial420 = "YBR_PARTIAL_420"
    case ybrICT = "YBR_ICT"
    case ybrRCT = "YBR_RCT"
}

/// Decoded pixels of one image (one or more frames), exactly as stored: before any LUT, rescale or window.
///
/// Samples are kept as `Int32` whatever the bit depth (signed data already sign-extended, 1-bit data
/// unpacked to 0/1), interleaved per pixel (`R,G,B,R,G,B,...`), frames one after another, rows top to bottom.
/// An 8-bit unsigned image therefore uses 4 bytes per sample in memory; the analysis form
/// (``GrayImage``) is what features read.
public struct PixelBuffer: Sendable, Equatable {
    /// Number of rows (height).
    public var rows: Int
    /// Number of columns (width).
    public var columns: Int
    /// Number of frames.
    public var frames: Int
    /// Samples per pixel: 1 (gray or palette index) or 3 (colour).
    public var samplesPerPixel: Int
    /// Bits allocated per sample (1, 8, 16 or 32).
    public var bitsAllocated: Int
    /// Bits stored per sample (at most `bitsAllocated`).
    public var bitsStored: Int
    /// Whether samples are two's complement signed.
    public var isSigned: Bool
    /// What the samples mean.
    public var photometric: Photometric
    /// The samples, `frames * rows * columns * samplesPerPixel` of them.
    public var samples: [Int32]

    /// Creates a buffer; `samples.count` must equal `frames * rows * columns * samplesPerPixel`.
    public init(rows: Int, columns: Int, frames: Int = 1, samplesPerPixel: Int, bitsAllocated: Int,
                bitsStored: Int? = nil, isSigned: Bool = false, photometric: Photometric, samples: [Int32]) {
        precondition(samples.count == frames * rows * columns * samplesPerPixel, "sample count mismatch")
        self.rows = rows
        self.columns = columns
        self.frames = frames
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored ?? bitsAllocated
        self.isSigned = isSigned
        self.photometric = photometric
        self.samples = samples
    }

    /// Samples in one frame.
    public var samplesPerFrame: Int { rows * columns * samplesPerPixel }

    /// The samples of frame `index` (0-based).
    public func frame(_ index: Int) -> ArraySlice<Int32> {
        precondition(index >= 0 && index < frames, "frame index out of range")
        return samples[index * samplesPerFrame..<(index + 1) * samplesPerFrame]
    }
}

/// A single-channel floating-point image: the analysis form every feature reads.
///
/// Values are in display orientation (MONOCHROME1 already inverted, colour converted to luma) and usually
/// scaled to 0...1 after windowing (see the conversion functions on ``PixelBuffer``).
public struct GrayImage: Sendable, Equatable {
    /// Height in pixels.
    public var rows: Int
    /// Width in pixels.
    public var columns: Int
    /// Row-major values.
    public var values: [Float]

    /// Creates an image; `values.count` must equal `rows * columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "value count mismatch")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The value at (row, column).
    @inlinable public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }
}
