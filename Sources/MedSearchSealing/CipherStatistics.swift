import Foundation

/// Statistical tests for image ciphers on 8-bit images: entropy, NPCR, UACI, adjacent-pixel correlation and
/// histogram chi-square, with the pass thresholds of Wu, Noonan and Agaian ("NPCR and UACI randomness tests
/// for image encryption", 2011) at alpha = 0.05.
///
/// These statistics describe how random a ciphertext looks; passing them is necessary for a good image cipher
/// but proves nothing about its security.
public enum CipherStatistics {
    /// A direction of adjacent-pixel pairs.
    public enum Direction: String, Sendable, CaseIterable {
        case horizontal, vertical, diagonal
    }

    /// Pass thresholds for one image size.
    public struct Thresholds: Sendable, Equatable {
        /// Minimum NPCR (percent).
        public let npcrMinimum: Double
        /// Accepted UACI interval (percent).
        public let uaciRange: ClosedRange<Double>
        /// Maximum histogram chi-square (255 degrees of freedom, alpha = 0.05).
        public let chiSquareMaximum: Double

        /// Wu et al.'s critical values for 256x256 and 512x512 8-bit images (nil for other sizes).
        public static func wu(width: Int, height: Int) -> Thresholds? {
            switch (width, height) {
            case (256, 256): Thresholds(npcrMinimum: 99.5693, uaciRange: 33.2824...33.6447, chiSquareMaximum: 293.25)
            case (512, 512): Thresholds(npcrMinimum: 99.5893, uaciRange: 33.3730...33.5541, chiSquareMaximum: 293.25)
            default: nil
            }
        }
    }

    /// Shannon entropy of the byte histogram, in bits (8 is the maximum).
    public static func entropy(_ samples: [UInt8]) -> Double {
        let histogram = self.histogram(samples)
        let total = Double(samples.count)
        guard total > 0 else { return 0 }
        var h = 0.0
        for count in histogram where count > 0 {
            let p = Double(count) / total
            h -= p * Foundation.log2(p)
        }
        return h
    }

    /// The 256-bin histogram.
    public static func histogram(_ samples: [UInt8]) -> [Int] {
        var counts = [Int](repeating: 0, count: 256)
        for value in samples { counts[Int(value)] += 1 }
        return counts
    }

    /// Chi-square of the histogram against the uniform distribution (255 degrees of freedom).
    public static func chiSquare(_ samples: [UInt8]) -> Double {
        let expected = Double(samples.count) / 256
        guard expected > 0 else { return 0 }
        return histogram(samples).reduce(0.0) { sum, count in
            let difference = Double(count) - expected
            return sum + difference * difference / expected
        }
    }

    /// Number of pixels change rate between two cipher images (percent of positions that differ).
    public static func npcr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count && !a.isEmpty, "images must have the same non-zero size")
        var differing = 0
        for index in a.indices where a[index] != b[index] { differing += 1 }
        return 100 * Double(differing) / Double(a.count)
    }

    /// Unified average changing intensity between two cipher images (percent of 255).
    public static func uaci(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count && !a.isEmpty, "images must have the same non-zero size")
        var total = 0
        for index in a.indices { total += abs(Int(a[index]) - Int(b[index])) }
        return 100 * Double(total) / (255 * Double(a.count))
    }

    /// Pearson correlation of every pair of adjacent pixels in `direction` (row-major image).
    public static func correlation(_ pixels: [UInt8], width: Int, height: Int, direction: Direction) -> Double {
        precondition(pixels.count == width * height, "pixel count must match the dimensions")
        let (dx, dy) = switch direction {
        case .horizontal: (1, 0)
        case .vertical: (0, 1)
        case .diagonal: (1, 1)
        }
        var n = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
        for y in 0..<(height - dy) {
            for x in 0..<(width - dx) {
                let a = Double(pixels[y * width + x]), b = Double(pixels[(y + dy) * width + x + dx])
                n += 1
                sx += a
                sy += b
                sxx += a * a
                syy += b * b
                sxy += a * b
            }
        }
        guard n > 1 else { return 0 }
        let covariance = sxy / n - (sx / n) * (sy / n)
        let varianceX = sxx / n - (sx / n) * (sx / n), varianceY = syy / n - (sy / n) * (sy / n)
        guard varianceX > 0, varianceY > 0 else { return 0 }
        return covariance / (varianceX * varianceY).squareRoot()
    }
}
