import Foundation
import MedSearchCore
import MedSearchImaging

/// The `hog` feature: histograms of oriented gradients (Dalal and Triggs 2005).
///
/// The image is resized to `side` x `side`; centred gradients give a magnitude and an unsigned orientation
/// (0...180 degrees) per pixel, voted with linear interpolation between the two nearest of `bins` orientation
/// bins into `cell` x `cell`-pixel cells; blocks of `block` x `block` cells (stride one cell) are L2-Hys normalised
/// (L2, clip at 0.2, L2 again) and concatenated.
public struct HOGFeature: FeatureExtractor, Equatable {
    public static let kind = "hog"
    /// Side of the square the image is resized to.
    public var side: Int
    /// Cell size in pixels.
    public var cell: Int
    /// Cells per block side.
    public var block: Int
    /// Orientation bins over 180 degrees.
    public var bins: Int

    /// Creates the feature.
    /// - Throws: ``FeaturesError/invalidParameter(name:reason:)`` unless at least one block fits.
    public init(side: Int = 64, cell: Int = 8, block: Int = 2, bins: Int = 9) throws {
        guard (8...1024).contains(side) else { throw FeaturesError.invalidParameter(name: "side", reason: "\(side)") }
        guard cell >= 2, side / cell >= block, block >= 1, block <= 8 else {
            throw FeaturesError.invalidParameter(name: "cell/block", reason: "cell \(cell), block \(block), side \(side)")
        }
        guard (2...36).contains(bins) else { throw FeaturesError.invalidParameter(name: "bins", reason: "\(bins)") }
        self.side = side
        self.cell = cell
        self.block = block
        self.bins = bins
    }

    var cellsPerSide: Int { side / cell }
    var blocksPerSide: Int { cellsPerSide - block + 1 }
    public var dimension: Int { blocksPerSide * blocksPerSide * block * block * bins }
    public var metric: FeatureMetric { .squaredEuclidean }
    public var summary: String { "hog side \(side) cell \(cell) block \(block) bins \(bins)" }

    public func extract(_ image: GrayImage) -> [Float] {
        let v = image.resized(rows: side, columns: side).values
        let cells = cellsPerSide
        var histograms = [Float](repeating: 0, count: cells * cells * bins)
        let binWidth = Float.pi / Float(bins)
        for y in 0..<cells * cell {
            for x in 0..<cells * cell {
                let left = v[y * side + max(x - 1, 0)], right = v[y * side + min(x + 1, side - 1)]
                let up = v[max(y - 1, 0) * side + x], down = v[min(y + 1, side - 1) * side + x]
                let gx = right - left, gy = down - up
                let magnitude = (gx * gx + gy * gy).squareRoot()
                if magnitude == 0 { continue }
                var angle = atan2(gy, gx)
                if angle < 0 { angle += .pi }
                if angle >= .pi { angle -= .pi }
                let position = angle / binWidth - 0.5
                let low = Int(position.rounded(.down))
                let fraction = position - Float(low)
                let b0 = (low + bins) % bins, b1 = (low + 1) % bins
                let c = (y / cell) * cells + x / cell
                histograms[c * bins + b0] += magnitude * (1 - fraction)
                histograms[c * bins + b1] += magnitude * fraction
            }
        }
        var result = [Float]()
        result.reserveCapacity(dimension)
        var blockValues = [Float](repeating: 0, count: block * block * bins)
        for by in 0..<blocksPerSide {
            for bx in 0..<blocksPerSide {
                var i = 0
                for cy in by..<by + block {
                    for cx in bx..<bx + block {
                        for b in 0..<bins {
                            blockValues[i] = histograms[(cy * cells + cx) * bins + b]
                            i += 1
                        }
                    }
                }
                Self.l2Hys(&blockValues)
                result.append(contentsOf: blockValues)
            }
        }
        return result
    }

    static func l2Hys(_ values: inout [Float]) {
        let epsilon: Float = 1e-6
        var norm = (values.reduce(0) { $0 + $1 * $1 } + epsilon).squareRoot()
        for i in values.indices { values[i] = min(values[i] / norm, 0.2) }
        norm = (values.reduce(0) { $0 + $1 * $1 } + epsilon).squareRoot()
        for i in values.indices { values[i] /= norm }
    }

    public func encodeParameters(to writer: inout ByteWriter) {
        for value in [side, cell, block, bins] { writer.write(UInt32(value)) }
    }

    public static func decodeParameters(from reader: inout ByteReader) throws -> HOGFeature {
        let side = Int(try reader.read(UInt32.self)), cell = Int(try reader.read(UInt32.self))
        let block = Int(try reader.read(UInt32.self)), bins = Int(try reader.read(UInt32.self))
        return try HOGFeature(side: side, cell: cell, block: block, bins: bins)
    }
}
