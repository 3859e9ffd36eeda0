extension NPYArray {
    /// Interprets the array as a stack of images: shape `(N, H, W)` (gray), `(N, H, W, 3)` (RGB),
    /// `(N, H, W, 1)`, or a single `(H, W)` image.
    ///
    /// - Returns: one ``PixelBuffer`` per image (8-bit for `u1`, 16-bit for `u2`/`i2`, 32-bit otherwise).
    /// - Throws: ``RasterError/unsupported(format:feature:)`` for other shapes or float data.
    public func imageBuffers() throws(RasterError) -> [PixelBuffer] {
        let (count, rows, columns, channels): (Int, Int, Int, Int)
        switch shape.count {
        case 2: (count, rows, columns, channels) = (1, shape[0], shape[1], 1)
        case 3: (count, rows, columns, channels) = (shape[0], shape[1], shape[2], 1)
        case 4 where shape[3] == 1 || shape[3] == 3: (count, rows, columns, channels) = (shape[0], shape[1], shape[2], shape[3])
        default: throw .unsupported(format: "NPY", feature: "image array of shape \(shape)")
        }
        guard rows > 0, columns > 0 else { throw .malformed(format: "NPY", reason: "empty images, shape \(shape)") }
        let values = try int32s()
        let perImage = rows * columns * channels
        let bits = dtype.size == 1 ? 8 : (dtype.size == 2 ? 16 : 32)
        return (0..<count).map { index in
            PixelBuffer(rows: rows, columns: columns, samplesPerPixel: channels, bitsAllocated: bits,
                        isSigned: dtype.kind == "i", photometric: channels == 3 ? .rgb : .monochrome2,
                        samples: Array(values[index * perImage..<(index + 1) * perImage]))
        }
    }
}
