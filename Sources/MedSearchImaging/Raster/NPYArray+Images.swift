extension NPYArray {
    /// The bytes one ``PixelBuffer`` costs beyond its samples (struct, array header, allocator rounding), as
    /// counted by ``imageBuffers(limits:)``.
    public static let perImageOverhead = 256

    /// Interprets the array as a stack of images: shape `(N, H, W)` (gray), `(N, H, W, 3)` (RGB),
    /// `(N, H, W, 1)`, or a single `(H, W)` image.
    ///
    /// Each image must fit ``DecodeLimits/maxPixels``, and the whole stack ``DecodeLimits/maxBytes`` with its
    /// `Int32` samples plus ``perImageOverhead`` bytes per image (so a stack of millions of one-pixel images
    /// cannot turn a small array into gigabytes of buffers).
    ///
    /// - Returns: one ``PixelBuffer`` per image (8-bit for `u1`, 16-bit for `u2`/`i2`, 32-bit otherwise).
    /// - Throws: ``RasterError/unsupported(format:feature:)`` for other shapes or float data,
    ///   ``RasterError/limitExceeded(_:)`` beyond `limits`.
    public func imageBuffers(limits: DecodeLimits = .default) throws(RasterError) -> [PixelBuffer] {
        let (count, rows, columns, channels): (Int, Int, Int, Int)
        switch shape.count {
        case 2: (count, rows, columns, channels) = (1, shape[0], shape[1], 1)
        case 3: (count, rows, columns, channels) = (shape[0], shape[1], shape[2], 1)
        case 4 where shape[3] == 1 || shape[3] == 3: (count, rows, columns, channels) = (shape[0], shape[1], shape[2], shape[3])
        default: throw .unsupported(format: "NPY", feature: "image array of shape \(shape)")
        }
        guard rows > 0, columns > 0 else { throw .malformed(format: "NPY", reason: "empty images, shape \(shape)") }
        let perImage = DecodeLimits.product(rows, columns, channels)
        do {
            try limits.checkPixels(format: "NPY", width: columns, height: rows)
            try limits.checkBytes(format: "NPY", what: "\(count) images of \(columns)x\(rows)x\(channels)",
                                  DecodeLimits.product(count, DecodeLimits.product(perImage, 4) &+ Self.perImageOverhead))
        } catch {
            throw .limitExceeded(error)
        }
        let bits = dtype.size == 1 ? 8 : (dtype.size == 2 ? 16 : 32)
        var images: [PixelBuffer] = []
        images.reserveCapacity(count)
        for index in 0..<count {
            images.append(PixelBuffer(rows: rows, columns: columns, samplesPerPixel: channels, bitsAllocated: bits,
                                      isSigned: dtype.kind == "i", photometric: channels == 3 ? .rgb : .monochrome2,
                                      samples: try int32s(elements: index * perImage..<(index + 1) * perImage)))
        }
        return images
    }
}
