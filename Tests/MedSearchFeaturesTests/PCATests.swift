import Testing
import MedSearchCore
import _MedSearchTestSupport
@testable import MedSearchFeatures

@Suite struct PCATests {
    /// Data with known principal axes: independent coordinates with variances 25, 9, 4, 1, 0.25, ...
    /// rotated by a fixed orthogonal matrix (a product of Givens rotations).
    static func syntheticData(n: Int, d: Int, seed: UInt64) -> (samples: [[Double]], axes: [[Double]], variances: [Double]) {
        var generator = SeededRandomNumberGenerator(seed: seed)
        let variances = (0..<d).map { 25 / pow2(Double($0) * 0.8 + 1) }
        var axes = (0..<d).map { i in (0..<d).map { $0 == i ? 1.0 : 0 } }
        for step in 0..<(3 * d) {
            let p = step % d, q = (step * 7 + 3) % d
            if p == q { continue }
            let angle = Double(step) * 0.37
            let c = cosine(angle), s = sine(angle)
            for i in 0..<d {
                let a = axes[i][p], b = axes[i][q]
                axes[i][p] = c * a - s * b
                axes[i][q] = s * a + c * b
            }
        }
        let samples = (0..<n).map { _ in
            var x = [Double](repeating: 3, count: d)   // mean 3
            for i in 0..<d {
                let z = gaussian(&generator) * variances[i].squareRoot()
                for j in 0..<d { x[j] += z * axes[i][j] }
            }
            return x
        }
        return (samples, axes, variances)
    }
    static func pow2(_ x: Double) -> Double { x * x }
    static func cosine(_ x: Double) -> Double { var t = 1.0, s = 1.0; for k in 1..<30 { t *= -x * x / Double((2 * k - 1) * (2 * k)); s += t }; return s }
    static func sine(_ x: Double) -> Double { var t = x, s = x; for k in 1..<30 { t *= -x * x / Double((2 * k) * (2 * k + 1)); s += t }; return s }
    static func gaussian(_ g: inout SeededRandomNumberGenerator) -> Double {
        // Sum of 12 uniforms minus 6: mean 0, variance 1 (enough for a test distribution).
        (0..<12).reduce(0.0) { acc, _ in acc + Double.random(in: 0..<1, using: &g) } - 6
    }

    @Test func recoversKnownAxesExactly() throws {
        let d = 8
        let data = Self.syntheticData(n: 4000, d: d, seed: 1)
        let pca = try PCA.fit(data.samples, outputDimension: 3)
        for c in 0..<3 {
            let component = Array(pca.components[c * d..<(c + 1) * d])
            let cosineToAxis = abs(zip(component, data.axes[c]).reduce(0) { $0 + $1.0 * $1.1 })
            #expect(cosineToAxis > 0.99, "component \(c): |cos| = \(cosineToAxis)")
            #expect(abs(pca.explainedVariances[c] - data.variances[c]) / data.variances[c] < 0.1)
        }
        #expect(pca.mean.allSatisfy { abs($0 - 3) < 0.3 })
    }

    @Test func subspaceIterationMatchesJacobi() throws {
        var generator = seededGenerator(2)
        let n = 60, d = 40
        // Low-rank-plus-noise data so the spectrum has gaps.
        let basis = (0..<5).map { _ in (0..<d).map { _ in Double.random(in: -1...1, using: &generator) } }
        let samples = (0..<n).map { _ -> [Double] in
            var x = (0..<d).map { _ in Double.random(in: -0.05...0.05, using: &generator) }
            for (i, b) in basis.enumerated() {
                let z = Double.random(in: -1...1, using: &generator) * Double(5 - i)
                for j in 0..<d { x[j] += z * b[j] }
            }
            return x
        }
        var x = [Double](), mean = [Double](repeating: 0, count: d)
        for s in samples { for j in 0..<d { mean[j] += s[j] / Double(n) } }
        for s in samples { for j in 0..<d { x.append(s[j] - mean[j]) } }
        let covariance = PCA.gram(x, n: n, d: d, scale: 1 / Double(n - 1))
        let exact = PCA.jacobiEigen(covariance, n: d)
        let approximate = PCA.subspaceIteration(x, n: n, d: d, k: 8, iterations: 30, scale: 1 / Double(n - 1), seed: 3)
        for c in 0..<5 {
            #expect(abs(exact.values[c] - approximate.values[c]) < 1e-6 * exact.values[0])
            let dot = (0..<d).reduce(0.0) { $0 + exact.vectors[c * d + $1] * approximate.vectors[c * d + $1] }
            #expect(abs(abs(dot) - 1) < 1e-5)
        }
        // Jacobi: A v = lambda v for every pair.
        for c in 0..<d {
            let v = Array(exact.vectors[c * d..<(c + 1) * d])
            for i in 0..<d {
                let av = (0..<d).reduce(0.0) { $0 + covariance[i * d + $1] * v[$1] }
                #expect(abs(av - exact.values[c] * v[i]) < 1e-9)
            }
        }
    }

    @Test func componentsOrthonormalAndTransformRoundTrips() throws {
        let d = 12
        let data = Self.syntheticData(n: 300, d: d, seed: 4)
        let pca = try PCA.fit(data.samples, outputDimension: d)
        for a in 0..<d {
            for b in 0..<d {
                let dot = (0..<d).reduce(0.0) { $0 + pca.components[a * d + $1] * pca.components[b * d + $1] }
                #expect(abs(dot - (a == b ? 1 : 0)) < 1e-9)
            }
        }
        #expect(zip(pca.explainedVariances, pca.explainedVariances.dropFirst()).allSatisfy { $0 >= $1 })
        let sample = data.samples[7]
        let back = try pca.inverseTransform(try pca.transform(sample))
        #expect(zip(back, sample).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(abs(pca.explainedVarianceRatio - 1) < 1e-9)
    }

    @Test func wideInputUsesSubspaceIteration() throws {
        var generator = seededGenerator(5)
        let d = PCA.exactDimensionLimit + 30
        let direction = (0..<d).map { _ in Double.random(in: -1...1, using: &generator) }
        let samples = (0..<40).map { _ -> [Double] in
            let z = Double.random(in: -5...5, using: &generator)
            return direction.map { $0 * z + Double.random(in: -0.01...0.01, using: &generator) }
        }
        let pca = try PCA.fit(samples, outputDimension: 2, iterations: 4)
        let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let cosine = abs((0..<d).reduce(0.0) { $0 + pca.components[$1] * direction[$1] }) / norm
        #expect(cosine > 0.999)
        #expect(pca.explainedVariances[0] > 100 * pca.explainedVariances[1])
    }

    @Test func serializationAndBadInput() throws {
        let data = Self.syntheticData(n: 50, d: 6, seed: 6)
        let pca = try PCA.fit(data.samples.map { $0.map(Float.init) }, outputDimension: 3)
        #expect(try PCA(serialized: pca.serialized()) == pca)
        var bytes = pca.serialized()
        bytes[7] = 0xFF   // input dimension high byte -> absurd dimension
        #expect(throws: WireError.self) { try PCA(serialized: bytes) }
        #expect(throws: WireError.self) { try PCA(serialized: Array(pca.serialized().dropLast(3))) }
        #expect(throws: PCAError.emptyTrainingSet) { try PCA.fit([[Double]](), outputDimension: 1) }
        #expect(throws: PCAError.invalidDimension(input: 6, output: 7)) { try PCA.fit(data.samples, outputDimension: 7) }
        #expect(throws: PCAError.dimensionMismatch(expected: 6, actual: 2)) { try PCA.fit(data.samples + [[1, 2]], outputDimension: 2) }
        #expect(throws: PCAError.nonFiniteValue) { try pca.transform([1, 2, 3, 4, 5, Double.infinity]) }
        #expect(throws: PCAError.dimensionMismatch(expected: 6, actual: 5)) { try pca.transform([Double](repeating: 0, count: 5)) }
    }
}
