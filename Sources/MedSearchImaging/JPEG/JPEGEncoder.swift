import CJPEG  // not called directly: importing it autolinks libjpeg for the C shim
import CJPEGShim

/// Encodes grayscale images as baseline JPEG through libjpeg-turbo (for rendered DICOMweb frames).
///
/// ```swift
/// let jpeg = try JPEGEncoder.encode(image, quality: 90)   // GrayImage values 0...1 -> 8-bit JPEG
/// ```
public enum JPEGEncoder {
    /// A baseline JPEG of `image` (values clamped to 0...1 and scaled to 0...255) at `quality` 1...100.
    /// - Throws: ``JPEGError/decodeFailed(reason:)`` with libjpeg's message if encoding fails.
    public static func encode(_ image: GrayImage, quality: Int = 90) throws -> [UInt8] {
        let pixels = image.values.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer { input in
            medsearch_jpeg_encode_gray(input.baseAddress, Int32(image.columns), Int32(image.rows), Int32(quality),
                                       &output, &size, &message, message.count)
        }
        defer { medsearch_jpeg_free(output) }
        guard status == 0, let output else {
            let reason = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw JPEGError.decodeFailed(reason: "encoding: \(reason)")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}
