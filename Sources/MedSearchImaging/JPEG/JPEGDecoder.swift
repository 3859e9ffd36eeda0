import CJPEG  // not called directly: importing it autolinks libjpeg for the C shim
import CJPEGShim

/// Decodes baseline and progressive 8-bit JPEG (gray or colour) through libjpeg-turbo.
///
/// ```swift
/// let pixels = try JPEGDecoder.decode(bytes)   // PixelBuffer, 8-bit, MONOCHROME2 or RGB
/// ```
/// libjpeg's fatal errors are caught in a small C shim (`CJPEGShim`, setjmp/longjmp stay in C) and arrive here
/// as ``JPEGError`` values; corrupt-data warnings are tolerated as libjpeg does (the damaged part decodes grey).
/// Hostile headers cannot force a large allocation: an image may have at most 1024 pixels per input byte
/// (far above what baseline or progressive Huffman coding can reach) and must fit the caller's
/// ``DecodeLimits``.
public enum JPEGDecoder {
    /// The facts of a JPEG header.
    public struct Header: Sendable, Equatable {
        /// Width in pixels.
        public var width: Int
        /// Height in pixels.
        public var height: Int
        /// Number of components (1 gray, 3 colour).
        public var components: Int
        /// Sample precision in bits.
        public var precision: Int
        /// Whether the stream is progressive.
        public var isProgressive: Bool
    }

    /// Reads the header of a JPEG stream without decoding it.
    /// - Throws: ``JPEGError``.
    public static func header(_ bytes: [UInt8]) throws -> Header {
        try header(bytes[...])
    }

    /// Reads the header of a JPEG stream without decoding it.
    /// - Throws: ``JPEGError``.
    public static func header(_ bytes: ArraySlice<UInt8>) throws -> Header {
        var info = medsearch_jpeg_info()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { input in
            medsearch_jpeg_read_header(input.baseAddress, input.count, &info, &message, message.count)
        }
        guard status == 0 else { throw classify(message) }
        return Header(width: Int(info.width), height: Int(info.height), components: Int(info.components),
                      precision: Int(info.precision), isProgressive: info.progressive != 0)
    }

    /// Decodes a JPEG file's bytes to an 8-bit ``PixelBuffer`` (MONOCHROME2 for one component, RGB for three).
    /// - Throws: ``JPEGError``, ``JPEGError/limitExceeded(_:)`` when the header declares more than `limits`.
    public static func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) throws -> PixelBuffer {
        try decode(bytes[...], convertToRGB: true, limits: limits)
    }

    /// Decodes a JPEG stream; with `convertToRGB == false` colour stays in the stream's colour space (YCbCr).
    ///
    /// The header is read first and its size checked against `limits` (width x height against
    /// ``DecodeLimits/maxPixels``, the `Int32` samples against ``DecodeLimits/maxBytes``) and against the input
    /// (at most 1024 pixels per input byte) before the output is allocated; libjpeg's own working memory is
    /// bounded as well.
    /// - Throws: ``JPEGError``, ``JPEGError/limitExceeded(_:)`` when the header declares more than `limits`.
    public static func decode(_ bytes: ArraySlice<UInt8>, convertToRGB: Bool = true,
                              limits: DecodeLimits = .default) throws -> PixelBuffer {
        let head = try header(bytes)
        guard head.precision == 8 else {
            throw JPEGError.unsupportedProcess(reason: "\(head.precision)-bit samples (libjpeg-turbo decodes 8-bit)")
        }
        guard head.components == 1 || head.components == 3 else {
            throw JPEGError.unsupportedProcess(reason: "\(head.components) components")
        }
        do {
            try limits.checkPixels(format: "JPEG", width: head.width, height: head.height)
            try limits.checkSamples(format: "JPEG", width: head.width, height: head.height,
                                    samplesPerPixel: head.components)
        } catch {
            throw JPEGError.limitExceeded(error)
        }
        let pixels = head.width * head.height
        let maximumPixels = min(DecodeLimits.product(bytes.count, 1024), limits.maxPixels)
        guard head.width > 0, head.height > 0, pixels <= maximumPixels else {
            throw JPEGError.imageTooLarge(width: head.width, height: head.height)
        }
        let count = pixels * head.components
        var info = medsearch_jpeg_info()
        var message = [CChar](repeating: 0, count: 256)
        var status: Int32 = 0
        let raw = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            status = bytes.withUnsafeBufferPointer { input in
                medsearch_jpeg_decode(input.baseAddress, input.count, out.baseAddress, out.count,
                                      convertToRGB ? 1 : 0, UInt64(maximumPixels), &info, &message, message.count)
            }
            if status != 0 { out.initialize(repeating: 0) }
            initialized = count
        }
        guard status == 0 else { throw classify(message) }
        let samples = [Int32](unsafeUninitializedCapacity: count) { out, initialized in
            raw.withUnsafeBufferPointer { src in
                for i in 0..<count { out[i] = Int32(src[i]) }
            }
            initialized = count
        }
        let photometric: Photometric = head.components == 1 ? .monochrome2 : (convertToRGB ? .rgb : .ybrFull)
        return PixelBuffer(rows: head.height, columns: head.width, samplesPerPixel: head.components,
                           bitsAllocated: 8, photometric: photometric, samples: samples)
    }

    private static func classify(_ message: [CChar]) -> JPEGError {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let lower = text.lowercased()
        if lower.contains("unsupported jpeg process") || lower.contains("data precision")
            || lower.contains("arithmetic") {
            return .unsupportedProcess(reason: text)
        }
        return .decodeFailed(reason: text)
    }
}
