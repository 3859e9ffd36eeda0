import MedSearchCore

/// The budget every decoder of this module checks a file's declared sizes against BEFORE it allocates.
///
/// A compressed image or archive can declare a decoded size thousands of times its own (a 2 MB PNG of
/// 16384x16384 16-bit RGBA pixels inflates to 2 GiB of scanlines and 4 GiB of samples). The decoders read the
/// sizes from the header (PNG IHDR, JPEG SOF, DICOM Rows/Columns/Number of Frames/Bits Allocated, a ZIP entry's
/// declared size, an NPY shape), compare them with these limits, and throw ``DecodeLimitExceeded`` (wrapped in
/// the decoder's own error type) before any buffer of that size exists. Inflated streams are also stopped at
/// their declared size, so a stream that inflates further than it declared cannot grow memory either.
///
/// What each limit bounds:
/// - ``maxPixels``: rows x columns of one image or frame;
/// - ``maxFrames``: the frames a DICOM file declares;
/// - ``maxBytes``: any one decoded result as this module holds it: a ``PixelBuffer`` counts 4 bytes per sample
///   (samples are `Int32`), an NPY array its elements at `max(4, itemsize)` bytes each (the `Int32` or `Double`
///   form it is read into), an inflated DICOM data set, PNG scanline stream or ZIP entry its byte count;
/// - ``maxNestingDepth``: DICOM sequence nesting.
///
/// ```swift
/// let pixels = try PNGDecoder.decode(bytes)                                   // DecodeLimits.default
/// let upload = DecodeLimits(maxPixels: 1 << 24, maxBytes: 128 << 20)
/// let file = try DICOMFile(bytes: bytes, limits: upload)                      // frames decode under `upload`
/// ```
public struct DecodeLimits: Sendable, Equatable, Hashable {
    /// Default ``maxPixels``: 2^26 (67,108,864; 8192 x 8192), above any radiograph or mammogram.
    public static let defaultMaxPixels = 1 << 26
    /// Default ``maxFrames``: 16,384 (long cine loops and enhanced multi-frame CT fit).
    public static let defaultMaxFrames = 16_384
    /// Default ``maxBytes``: 512 MiB (an 8192 x 8192 16-bit gray image is 256 MiB as `Int32` samples).
    public static let defaultMaxBytes = 512 << 20
    /// Default ``maxNestingDepth``: 48 sequence levels.
    public static let defaultMaxNestingDepth = 48

    /// The defaults above.
    public static let `default` = DecodeLimits()

    /// The largest image or frame accepted, in pixels (rows x columns).
    public var maxPixels: Int
    /// The most frames a DICOM file may declare.
    public var maxFrames: Int
    /// The largest decoded result accepted, in bytes (see the type's discussion for how each format counts).
    public var maxBytes: Int
    /// The deepest DICOM sequence nesting accepted.
    public var maxNestingDepth: Int

    /// Creates a budget; every value must be positive.
    public init(maxPixels: Int = Self.defaultMaxPixels, maxFrames: Int = Self.defaultMaxFrames,
                maxBytes: Int = Self.defaultMaxBytes, maxNestingDepth: Int = Self.defaultMaxNestingDepth) {
        precondition(maxPixels > 0 && maxFrames > 0 && maxBytes > 0 && maxNestingDepth > 0,
                     "decode limits must be positive")
        self.maxPixels = maxPixels
        self.maxFrames = maxFrames
        self.maxBytes = maxBytes
        self.maxNestingDepth = maxNestingDepth
    }

    /// The product of non-negative factors, saturating at `Int.max` (a declared size that overflows is
    /// reported as `Int.max`, which exceeds every limit).
    public static func product(_ factors: Int...) -> Int {
        product(factors)
    }

    /// The product of non-negative factors, saturating at `Int.max`.
    public static func product<S: Sequence<Int>>(_ factors: S) -> Int {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { return Int.max }
            let (value, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return Int.max }
            result = value
        }
        return result
    }

    /// Checks an image or frame of `width` x `height` pixels.
    /// - Throws: ``DecodeLimitExceeded`` with ``DecodeLimitExceeded/Limit/pixels``.
    public func checkPixels(format: String, width: Int, height: Int) throws(DecodeLimitExceeded) {
        let pixels = Self.product(width, height)
        guard pixels <= maxPixels else {
            throw DecodeLimitExceeded(format: format, limit: .pixels, what: "a \(width)x\(height) image",
                                      declared: pixels, maximum: maxPixels)
        }
    }

    /// Checks a declared number of frames.
    /// - Throws: ``DecodeLimitExceeded`` with ``DecodeLimitExceeded/Limit/frames``.
    public func checkFrames(format: String, _ frames: Int) throws(DecodeLimitExceeded) {
        guard frames <= maxFrames else {
            throw DecodeLimitExceeded(format: format, limit: .frames, what: "the declared frames",
                                      declared: frames, maximum: maxFrames)
        }
    }

    /// Checks a decoded size in bytes; `what` names the result (never a value from the file).
    /// - Throws: ``DecodeLimitExceeded`` with ``DecodeLimitExceeded/Limit/bytes``.
    public func checkBytes(format: String, what: String, _ bytes: Int) throws(DecodeLimitExceeded) {
        guard bytes <= maxBytes else {
            throw DecodeLimitExceeded(format: format, limit: .bytes, what: what, declared: bytes, maximum: maxBytes)
        }
    }

    /// Checks the `Int32` samples of a decoded image: `frames x width x height x samplesPerPixel x 4` bytes.
    /// - Throws: ``DecodeLimitExceeded`` with ``DecodeLimitExceeded/Limit/bytes``.
    public func checkSamples(format: String, width: Int, height: Int, frames: Int = 1,
                             samplesPerPixel: Int) throws(DecodeLimitExceeded) {
        let bytes = Self.product(frames, width, height, samplesPerPixel, MemoryLayout<Int32>.size)
        let what = frames == 1 ? "the samples of a \(width)x\(height)x\(samplesPerPixel) image"
            : "the samples of \(frames) frames of \(width)x\(height)x\(samplesPerPixel)"
        try checkBytes(format: format, what: what, bytes)
    }

    /// Checks a sequence nesting level (the top-level data set is depth 0).
    /// - Throws: ``DecodeLimitExceeded`` with ``DecodeLimitExceeded/Limit/nestingDepth``.
    public func checkNesting(format: String, depth: Int) throws(DecodeLimitExceeded) {
        guard depth <= maxNestingDepth else {
            throw DecodeLimitExceeded(format: format, limit: .nestingDepth, what: "sequence nesting",
                                      declared: depth, maximum: maxNestingDepth)
        }
    }
}

/// A file declared a decoded size beyond the caller's ``DecodeLimits``; nothing of that size was allocated.
///
/// The decoders wrap it in their own error types (``RasterError/limitExceeded(_:)``,
/// ``DICOMError/limitExceeded(_:)``, ``JPEGError/limitExceeded(_:)``); ``find(in:)`` unwraps any of them, so a
/// server can answer 413 for every format alike. Payloads are sizes and format names, never pixel or attribute
/// values.
@MemberwiseInit(.public)
public struct DecodeLimitExceeded: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Which limit was exceeded.
    public enum Limit: String, Sendable, Equatable, Hashable {
        /// ``DecodeLimits/maxPixels``.
        case pixels = "maxPixels"
        /// ``DecodeLimits/maxFrames``.
        case frames = "maxFrames"
        /// ``DecodeLimits/maxBytes``.
        case bytes = "maxBytes"
        /// ``DecodeLimits/maxNestingDepth``.
        case nestingDepth = "maxNestingDepth"

        /// The unit the sizes are counted in.
        public var unit: String {
            switch self {
            case .pixels: "pixels"
            case .frames: "frames"
            case .bytes: "bytes"
            case .nestingDepth: "levels"
            }
        }
    }

    /// The format whose header declared the size (`PNG`, `JPEG`, `DICOM`, `NPZ`, `NPY`, ...).
    public var format: String
    /// The limit exceeded.
    public var limit: Limit
    /// What the size is of (e.g. "a 16384x16384 image", "the inflated data set").
    public var what: String
    /// The declared size (`Int.max` when it overflows).
    public var declared: Int
    /// The limit in force.
    public var maximum: Int

    public var description: String {
        let size = declared == Int.max ? "more than \(Int.max)" : "\(declared)"
        return "\(format): \(what) would need \(size) \(limit.unit), over the decode limit of \(maximum) "
            + "\(limit.unit) (DecodeLimits.\(limit.rawValue))"
    }

    /// The limit error inside `error`, if it is one (directly or wrapped by a decoder of this module).
    public static func find(in error: any Error) -> DecodeLimitExceeded? {
        switch error {
        case let exceeded as DecodeLimitExceeded: exceeded
        case RasterError.limitExceeded(let exceeded): exceeded
        case DICOMError.limitExceeded(let exceeded): exceeded
        case JPEGError.limitExceeded(let exceeded): exceeded
        case ImageInspector.Failure.dicom(.limitExceeded(let exceeded)): exceeded
        case ImageInspector.Failure.jpeg(.limitExceeded(let exceeded)): exceeded
        case ImageInspector.Failure.raster(.limitExceeded(let exceeded)): exceeded
        default: nil
        }
    }
}
