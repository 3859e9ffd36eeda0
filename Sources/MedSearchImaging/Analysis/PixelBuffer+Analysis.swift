extension PixelBuffer {
    /// Converts one frame to the analysis form: one channel, display orientation, scaled to 0...1.
    ///
    /// Colour (`RGB`) becomes Rec. 601 luma (0.299 R + 0.587 G + 0.114 B); `YBR_*` keeps the Y channel;
    /// `MONOCHROME1` is inverted after scaling so that larger values are brighter, as for `MONOCHROME2`.
    ///
    /// - Parameters:
    ///   - frame: the 0-based frame to convert.
    ///   - rescale: the modality LUT to apply first (identity for PNG/JPEG/NPZ).
    ///   - scaling: how values are mapped to 0...1 (see ``GrayScaling``).
    /// - Returns: an image with `rows` x `columns` values.
    public func grayImage(frame: Int = 0, rescale: LinearRescale = .identity,
                          scaling: GrayScaling = .automatic) -> GrayImage {
        let pixelCount = rows * columns
        var values = [Float](repeating: 0, count: pixelCount)
        let base = frame * samplesPerFrame
        samples.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { out in
                if samplesPerPixel >= 3 && photometric == .rgb {
                    for p in 0..<pixelCount {
                        let s = base + p * samplesPerPixel
                        out[p] = 0.299 * Float(source[s]) + 0.587 * Float(source[s + 1]) + 0.114 * Float(source[s + 2])
                    }
                } else {
                    // Gray, palette index, or YBR (Y is the first sample of each pixel).
                    for p in 0..<pixelCount { out[p] = Float(source[base + p * samplesPerPixel]) }
                }
            }
        }
        var storedLow: Double = isSigned ? -Double(1 << (max(bitsStored, 1) - 1)) : 0
        var storedHigh: Double = isSigned ? Double(1 << (max(bitsStored, 1) - 1)) - 1 : Double((1 << bitsStored) - 1)
        if rescale != .identity {
            let slope = Float(rescale.slope), intercept = Float(rescale.intercept)
            for i in 0..<pixelCount { values[i] = values[i] * slope + intercept }
            let a = storedLow * rescale.slope + rescale.intercept, b = storedHigh * rescale.slope + rescale.intercept
            (storedLow, storedHigh) = (min(a, b), max(a, b))
        }
        var mode = scaling
        if mode == .automatic { mode = bitsStored <= 8 ? .fullRange : .minMax }
        var low: Double, high: Double
        switch mode {
        case .none, .automatic:
            return GrayImage(rows: rows, columns: columns, values: values)
        case .fullRange:
            (low, high) = (storedLow, storedHigh)
        case .minMax:
            var minimum = Float.infinity, maximum = -Float.infinity
            for v in values {
                minimum = Swift.min(minimum, v)
                maximum = Swift.max(maximum, v)
            }
            (low, high) = pixelCount > 0 ? (Double(minimum), Double(maximum)) : (0, 1)
        case let .window(center, width):
            // PS3.3 C.11.2.1.2.1: linear function with the half-pixel offsets of the standard.
            let w = Swift.max(width, 1)
            low = center - 0.5 - (w - 1) / 2
            high = center - 0.5 + (w - 1) / 2
        }
        let invert = photometric == .monochrome1
        let scale: Float = high > low ? Float(1 / (high - low)) : 0
        let offset = Float(low)
        values.withUnsafeMutableBufferPointer { out in
            for i in 0..<pixelCount {
                var v = (out[i] - offset) * scale
                v = Swift.min(Swift.max(v, 0), 1)
                out[i] = invert ? 1 - v : v
            }
        }
        return GrayImage(rows: rows, columns: columns, values: values)
    }

    /// The analysis form at a fixed size: ``grayImage(frame:rescale:scaling:)`` then
    /// ``GrayImage/resized(rows:columns:filter:)`` to `side` x `side` (optionally centre-cropped to a square first,
    /// so the aspect ratio is kept).
    public func analysisImage(side: Int, frame: Int = 0, rescale: LinearRescale = .identity,
                              scaling: GrayScaling = .automatic, cropToSquare: Bool = true) -> GrayImage {
        var image = grayImage(frame: frame, rescale: rescale, scaling: scaling)
        if cropToSquare { image = image.centerCroppedToSquare() }
        return image.resized(rows: side, columns: side)
    }
}
