import Foundation
import MedSearchCore
import MedSearchImaging

/// The `lbp` feature: uniform local binary pattern histograms on a grid (the SLBP baseline of the
/// TrustMedSearch paper).
///
/// The image is resized to `side` x `side`; for each radius, every pixel gets the 8-neighbour LBP code
/// (neighbours on a circle, bilinearly interpolated, Ojala et al. 2002), mapped to the 59 uniform patterns
/// (`uniform`) or the 10 rotation-invariant uniform ones (`rotationInvariantUniform`). The image is divided
/// into `grid` x `grid` cells; each cell's histogram is normalised to sum 1 and, with `squareRoot`, square-rooted
/// so that squared Euclidean distance between vectors is the Hellinger distance between histograms.
public struct LBPFeature: FeatureExtractor, Equatable {
    public static let kind = "lbp"

    /// How the 256 codes are grouped into histogram bins.
    public enum Mapping: UInt8, Sendable, Equatable {
        /// 58 uniform patterns + 1 bin for the rest (59 bins).
        case uniform = 0
        /// Rotation-invariant uniform patterns: number of ones for uniform codes + 1 bin for the rest (10 bins).
        case rotationInvariantUniform = 1

        /// Bins per histogram.
        public var binCount: Int { self == .uniform ? 59 : 10 }
    }

    /// Side of the square the image is resized to.
    public var side: Int
    /// Cells per row and per column.
    public var grid: Int
    /// Circle radii (in pixels of the resized image); one histogram set per radius.
    public var radii: [Int]
    /// Pattern grouping.
    public var mapping: Mapping
    /// Whether histogram values are square-rooted (Hellinger embedding).
    public var squareRoot: Bool

    /// Creates the feature.
    /// - Throws: ``FeaturesError/invalidParameter(name:reason:)`` for sizes that leave empty cells.
    public init(side: Int = 128, grid: Int = 4, radii: [Int] = [1], mapping: Mapping = .uniform,
                squareRoot: Bool = true) throws {
        guard (8...1024).contains(side) else { throw FeaturesError.invalidParameter(name: "side", reason: "\(side) not in 8...1024") }
        guard !radii.isEmpty, radii.count <= 8, radii.allSatisfy({ $0 >= 1 && 2 * $0 < side }) else {
            throw FeaturesError.invalidParameter(name: "radii", reason: "\(radii)")
        }
        let usable = side - 2 * (radii.max() ?? 1)
        guard grid >= 1, grid <= usable else { throw FeaturesError.invalidParameter(name: "grid", reason: "\(grid) for side \(side)") }
        self.side = side
        self.grid = grid
        self.radii = radii
        self.mapping = mapping
        self.squareRoot = squareRoot
    }

    public var dimension: Int { radii.count * grid * grid * mapping.binCount }
    public var metric: FeatureMetric { .squaredEuclidean }
    public var summary: String {
        "lbp \(mapping == .uniform ? "u2" : "riu2") side \(side) grid \(grid)x\(grid) radii \(radii.map(String.init).joined(separator: ","))\(squareRoot ? " sqrt" : "")"
    }

    public func extract(_ image: GrayImage) -> [Float] {
        let resized = image.resized(rows: side, columns: side)
        let table = mapping == .uniform ? Self.uniformTable : Self.riu2Table
        let bins = mapping.binCount
        let margin = radii.max() ?? 1
        let usable = side - 2 * margin
        var result = [Float](repeating: 0, count: dimension)
        var codes = [UInt8](repeating: 0, count: usable * usable)
        for (radiusIndex, radius) in radii.enumerated() {
            Self.codes(resized.values, side: side, radius: radius, margin: margin, into: &codes)
            var counts = [Float](repeating: 0, count: grid * grid)
            let base = radiusIndex * grid * grid * bins
            for y in 0..<usable {
                let cellRow = y * grid / usable
                for x in 0..<usable {
                    let cell = cellRow * grid + x * grid / usable
                    result[base + cell * bins + Int(table[Int(codes[y * usable + x])])] += 1
                    counts[cell] += 1
                }
            }
            for cell in 0..<grid * grid where counts[cell] > 0 {
                for b in 0..<bins {
                    var v = result[base + cell * bins + b] / counts[cell]
                    if squareRoot { v = v.squareRoot() }
                    result[base + cell * bins + b] = v
                }
            }
        }
        return result
    }

    /// LBP codes of the pixels at least `margin` from the border, row-major.
    static func codes(_ values: [Float], side: Int, radius: Int, margin: Int, into codes: inout [UInt8]) {
        let usable = side - 2 * margin
        // Neighbour offsets and bilinear weights, counter-clockwise starting at the right.
        var samples: [(dy0: Int, dx0: Int, w00: Float, w01: Float, w10: Float, w11: Float)] = []
        for p in 0..<8 {
            let angle = 2 * Double.pi * Double(p) / 8
            var dx = Double(radius) * cos(angle)
            var dy = -Double(radius) * sin(angle)
            if abs(dx - dx.rounded()) < 1e-6 { dx = dx.rounded() }
            if abs(dy - dy.rounded()) < 1e-6 { dy = dy.rounded() }
            let fx = dx.rounded(.down), fy = dy.rounded(.down)
            let tx = Float(dx - fx), ty = Float(dy - fy)
            samples.append((Int(fy), Int(fx), (1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty))
        }
        // Flattened per-neighbour offsets and the four bilinear weights (zero weights cost one multiply-add),
        // over a copy padded with one zero row and column so the (zero-weighted) far corner is always in bounds.
        let stride = side + 1
        var padded = [Float](repeating: 0, count: stride * stride)
        for y in 0..<side { for x in 0..<side { padded[y * stride + x] = values[y * side + x] } }
        let offsets = samples.map { $0.dy0 * stride + $0.dx0 }
        let weights = samples.flatMap { [$0.w00, $0.w01, $0.w10, $0.w11] }
        padded.withUnsafeBufferPointer { v in
            codes.withUnsafeMutableBufferPointer { out in
                offsets.withUnsafeBufferPointer { offset in
                    weights.withUnsafeBufferPointer { w in
                        let base = v.baseAddress!
                        for y in 0..<usable {
                            let cy = y + margin
                            for x in 0..<usable {
                                let centerIndex = cy * stride + x + margin
                                let threshold = base[centerIndex] - 1e-6
                                var code: UInt8 = 0
                                for p in 0..<8 {
                                    let q = base + centerIndex + offset[p]
                                    let g = w[4 * p] * q[0] + w[4 * p + 1] * q[1] + w[4 * p + 2] * q[stride]
                                        + w[4 * p + 3] * q[stride + 1]
                                    // The tolerance keeps flat regions stable against interpolation rounding.
                                    if g >= threshold { code |= 1 << UInt8(p) }
                                }
                                out[y * usable + x] = code
                            }
                        }
                    }
                }
            }
        }
    }

    /// Number of 0/1 transitions around the circle.
    static func transitions(_ code: Int) -> Int {
        var count = 0
        for p in 0..<8 where (code >> p) & 1 != (code >> ((p + 1) % 8)) & 1 { count += 1 }
        return count
    }

    /// Code -> bin for the uniform mapping (uniform codes in increasing order get bins 0...57, others 58).
    static let uniformTable: [UInt8] = {
        var table = [UInt8](repeating: 58, count: 256)
        var next: UInt8 = 0
        for code in 0..<256 where transitions(code) <= 2 {
            table[code] = next
            next += 1
        }
        return table
    }()

    /// Code -> bin for the rotation-invariant uniform mapping (number of ones, or 9 when not uniform).
    static let riu2Table: [UInt8] = (0..<256).map { transitions($0) <= 2 ? UInt8($0.nonzeroBitCount) : 9 }

    public func encodeParameters(to writer: inout ByteWriter) {
        writer.write(UInt32(side))
        writer.write(UInt32(grid))
        writer.writeArray(radii.map { UInt32($0) })
        writer.write(mapping.rawValue)
        writer.write(squareRoot)
    }

    public static func decodeParameters(from reader: inout ByteReader) throws -> LBPFeature {
        let side = Int(try reader.read(UInt32.self))
        let grid = Int(try reader.read(UInt32.self))
        let radii = try reader.readArray(of: UInt32.self, maxCount: 8).map(Int.init)
        guard let mapping = Mapping(rawValue: try reader.read(UInt8.self)) else {
            throw FeaturesError.malformedModel(reason: "unknown LBP mapping")
        }
        return try LBPFeature(side: side, grid: grid, radii: radii, mapping: mapping, squareRoot: try reader.readBool())
    }
}
