import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("Resizing")
struct AnalysisResizeTests {
    static func randomImage(rows: Int, columns: Int, seed: UInt64) -> GrayImage {
        var generator = seededGenerator(seed)
        return GrayImage(rows: rows, columns: columns,
                         values: (0..<rows * columns).map { _ in Float.random(in: 0...1, using: &generator) })
    }

    @Test("integer-factor area downscale equals block means (slow reference)")
    func blockMeans() {
        let image = Self.randomImage(rows: 24, columns: 36, seed: 11)
        let small = image.resized(rows: 6, columns: 9)
        for r in 0..<6 {
            for c in 0..<9 {
                var sum: Float = 0
                for y in 0..<4 { for x in 0..<4 { sum += image[r * 4 + y, c * 4 + x] } }
                #expect(abs(small[r, c] - sum / 16) < 1e-5)
            }
        }
    }

    @Test("non-integer area downscale preserves the mean", arguments: [(128, 32), (100, 33), (37, 10), (64, 63)])
    func meanPreserved(input: Int, output: Int) {
        let image = Self.randomImage(rows: input, columns: input, seed: UInt64(input * 1000 + output))
        let small = image.resized(rows: output, columns: output, filter: .area)
        let meanIn = image.values.reduce(0, +) / Float(image.values.count)
        let meanOut = small.values.reduce(0, +) / Float(small.values.count)
        #expect(abs(meanIn - meanOut) < 1e-4)
        #expect(small.values.allSatisfy { $0 >= -1e-6 && $0 <= 1 + 1e-6 })
    }

    @Test("constant images stay constant under every filter",
          arguments: [ResizeFilter.area, .lanczos3, .bilinear, .automatic])
    func constant(filter: ResizeFilter) {
        let image = GrayImage(rows: 20, columns: 30, values: [Float](repeating: 0.37, count: 600))
        for (r, c) in [(7, 11), (20, 30), (45, 64), (3, 90)] {
            #expect(image.resized(rows: r, columns: c, filter: filter).values.allSatisfy { abs($0 - 0.37) < 1e-5 })
        }
    }

    @Test("Lanczos-3 upscaling reproduces a linear ramp away from the borders and hits the samples at 1:1 phase")
    func lanczosRamp() {
        let ramp = GrayImage(rows: 1, columns: 32, values: (0..<32).map { Float($0) })
        let big = ramp.resized(rows: 1, columns: 64, filter: .lanczos3)
        // Output pixel i sits at input coordinate (i + 0.5) / 2 - 0.5.
        for i in 10..<54 {
            let x = (Float(i) + 0.5) / 2 - 0.5
            #expect(abs(big[0, i] - x) < 0.02)
        }
    }

    @Test("centre crop to a square")
    func crop() {
        let image = GrayImage(rows: 2, columns: 4, values: [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(image.centerCroppedToSquare() == GrayImage(rows: 2, columns: 2, values: [1, 2, 5, 6]))
    }
}
