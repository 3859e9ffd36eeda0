import MedSearchCore
@testable import MedSearchFeatures
import Foundation
import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("Feature extractors")
struct FeatureExtractorTests {
    static func randomImage(side: Int, seed: UInt64) -> GrayImage {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return GrayImage(rows: side, columns: side, values: (0..<side * side).map { _ in Float.random(in: 0...1, using: &generator) })
    }

    @Test("pixels: resized vector, and z-normalised to mean 0 and population std 1")
    func pixels() throws {
        let image = Self.randomImage(side: 64, seed: 1)
        let plain = try PixelsFeature(side: 16).extract(image)
        #expect(plain == image.resized(rows: 16, columns: 16).values)
        let z = try PixelsFeature(side: 16, zNormalize: true).extract(image)
        let stats = VectorStatistics(of: z)
        #expect(abs(stats.mean) < 1e-5 && abs(stats.standardDeviation - 1) < 1e-4)
        #expect(throws: FeaturesError.self) { try PixelsFeature(side: 0) }
    }

    @Test("stats: mean and population standard deviation against a direct computation")
    func stats() throws {
        #expect(VectorStatistics(of: [2, 4, 4, 4, 5, 5, 7, 9] as [Float]) == VectorStatistics(mean: 5, standardDeviation: 2))
        let image = Self.randomImage(side: 32, seed: 2)
        let v = try StatsFeature(side: 32).extract(image)
        let mean = image.values.map(Double.init).reduce(0, +) / 1024
        let variance = image.values.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / 1024
        #expect(abs(Double(v[0]) - mean) < 1e-6 && abs(Double(v[1]) - variance.squareRoot()) < 1e-6)
    }

    @Test("lbp: 58 uniform patterns, 9 rotation-invariant classes plus one")
    func lbpTables() throws {
        let feature = try LBPFeature(side: 16, grid: 1, squareRoot: false)
        #expect(feature.dimension == 59)
        // A pixel brighter than all neighbours has code 0; darker than all has code 255; both are uniform.
        var values = [Float](repeating: 0.5, count: 16 * 16)
        values[5 * 16 + 5] = 1   // local maximum: code 0 at (5,5)
        values[9 * 16 + 9] = 0   // local minimum: code 255 at (9,9)
        let v = feature.extract(GrayImage(rows: 16, columns: 16, values: values))
        #expect(abs(v.reduce(0, +) - 1) < 1e-5)            // one normalised histogram
        // Flat pixels (code 255 with >= comparisons) dominate; code 0 occurs exactly once out of 14 x 14.
        #expect(abs(v[0] - 1 / 196) < 1e-6)
        let riu2 = try LBPFeature(side: 16, grid: 2, mapping: .rotationInvariantUniform)
        #expect(riu2.dimension == 40)
    }

    @Test("lbp: codes equal a slow bilinear reference, and a hand-made axis pattern")
    func lbpCodesAgainstReference() throws {
        // Hand-made: centre 5; right 6, top 7, left 5, bottom 3 (radius 1, axis neighbours need no interpolation).
        let tiny: [Float] = [2, 7, 1,
                             5, 5, 6,
                             9, 3, 4]
        var one = [UInt8](repeating: 0, count: 1)
        LBPFeature.codes(tiny, side: 3, radius: 1, margin: 1, into: &one)
        #expect(one[0] & 0b0101_0101 == 0b0001_0101)   // bits 0 (right), 2 (top), 4 (left) set; 6 (bottom) clear
        // Random image, radius 2: compare every code with a direct evaluation.
        let side = 20, radius = 2
        let image = Self.randomImage(side: side, seed: 21).values
        let usable = side - 2 * radius
        var codes = [UInt8](repeating: 0, count: usable * usable)
        LBPFeature.codes(image, side: side, radius: radius, margin: radius, into: &codes)
        func sample(_ y: Double, _ x: Double) -> Double {
            let x0 = x.rounded(.down), y0 = y.rounded(.down)
            let tx = x - x0, ty = y - y0
            func v(_ r: Double, _ c: Double) -> Double {
                let ri = Int(r), ci = Int(c)
                return ri < side && ci < side ? Double(image[ri * side + ci]) : 0
            }
            return (1 - tx) * (1 - ty) * v(y0, x0) + tx * (1 - ty) * v(y0, x0 + 1) + (1 - tx) * ty * v(y0 + 1, x0)
                + tx * ty * v(y0 + 1, x0 + 1)
        }
        var mismatches = 0
        for y in 0..<usable {
            for x in 0..<usable {
                let cy = Double(y + radius), cx = Double(x + radius)
                let centre = Double(image[(y + radius) * side + x + radius])
                var code = 0
                for p in 0..<8 {
                    let angle = 2 * Double.pi * Double(p) / 8
                    var dx = Double(radius) * cos(angle), dy = -Double(radius) * sin(angle)
                    if abs(dx - dx.rounded()) < 1e-6 { dx = dx.rounded() }
                    if abs(dy - dy.rounded()) < 1e-6 { dy = dy.rounded() }
                    if sample(cy + dy, cx + dx) >= centre - 1e-6 { code |= 1 << p }
                }
                if code != Int(codes[y * usable + x]) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    @Test("lbp: histograms of every cell sum to one; sqrt variant squares back")
    func lbpHistograms() throws {
        let image = Self.randomImage(side: 96, seed: 3)
        let plain = try LBPFeature(side: 64, grid: 4, radii: [1, 2], squareRoot: false).extract(image)
        #expect(plain.count == 2 * 16 * 59)
        for cell in 0..<32 {
            #expect(abs(plain[cell * 59..<(cell + 1) * 59].reduce(0, +) - 1) < 1e-4)
        }
        let rooted = try LBPFeature(side: 64, grid: 4, radii: [1, 2], squareRoot: true).extract(image)
        for i in plain.indices { #expect(abs(rooted[i] * rooted[i] - plain[i]) < 1e-5) }
    }

    @Test("hog: dimension, zero for a flat image, vertical edges vote for horizontal gradients")
    func hog() throws {
        let feature = try HOGFeature(side: 32, cell: 8, block: 2, bins: 9)
        #expect(feature.dimension == 3 * 3 * 4 * 9)
        let flat = feature.extract(GrayImage(rows: 32, columns: 32, values: [Float](repeating: 0.4, count: 1024)))
        #expect(flat.allSatisfy { $0 == 0 })
        // Vertical stripes: gradient along x only, angle 0, which splits between bins 0 and 8.
        let stripes = GrayImage(rows: 32, columns: 32, values: (0..<1024).map { ($0 % 32) / 4 % 2 == 0 ? 0 : 1 })
        let v = feature.extract(stripes)
        var horizontal: Float = 0, other: Float = 0
        for (i, value) in v.enumerated() { if i % 9 == 0 || i % 9 == 8 { horizontal += value } else { other += value } }
        #expect(horizontal > 10 * other)
    }

    @Test("registry builds every plain feature by name and rejects unknown names")
    func registry() throws {
        let image = Self.randomImage(side: 128, seed: 4)
        for name in ["pixels", "stats", "lbp", "hog"] {
            let model = try FeatureRegistry.make(name)
            #expect(model.kind == name)
            #expect(model.extract(image).count == model.dimension)
        }
        #expect(throws: FeaturesError.self) { try FeatureRegistry.make("sift") }
        #expect(throws: FeaturesError.self) { try FeatureRegistry.make("hash") }   // needs training images
    }
}
