import MedSearchCore
@testable import MedSearchFeatures
import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("ITQ hashing")
struct ITQTests {
    @Test("symmetric eigen-decomposition reconstructs the matrix")
    func eigen() {
        var generator = seededGenerator(7)
        let n = 12
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { let v = Double.random(in: -1...1, using: &generator); a[i * n + j] = v; a[j * n + i] = v } }
        let (values, vectors) = ITQLinearAlgebra.symmetricEigen(a, n: n)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
        for i in 0..<n {
            for j in 0..<n {
                var sum = 0.0
                for k in 0..<n { sum += vectors[i * n + k] * values[k] * vectors[j * n + k] }
                #expect(abs(sum - a[i * n + j]) < 1e-9)
            }
        }
    }

    @Test("polar factor is orthogonal and maximises the Procrustes objective")
    func polar() {
        var generator = seededGenerator(8)
        let n = 6
        let m = (0..<n * n).map { _ in Double.random(in: -1...1, using: &generator) }
        let r = ITQLinearAlgebra.polarFactor(m, n: n)
        let rtr = ITQLinearAlgebra.multiplyTransposed(r, r, k: n, m: n, n: n)
        for i in 0..<n { for j in 0..<n { #expect(abs(rtr[i * n + j] - (i == j ? 1 : 0)) < 1e-9) } }
        // tr(R^T M) is at least tr(Q^T M) for random orthogonal Q.
        func trace(_ q: [Double]) -> Double { (0..<n * n).map { q[$0] * m[$0] }.reduce(0, +) }
        for _ in 0..<20 {
            var q = (0..<n * n).map { _ in Double.random(in: -1...1, using: &generator) }
            ITQLinearAlgebra.orthonormalizeColumns(&q, rows: n, columns: n)
            #expect(trace(r) >= trace(q) - 1e-9)
        }
    }

    @Test("codes keep clusters apart and training is deterministic for a seed")
    func clusters() throws {
        var generator = seededGenerator(9)
        let d = 40
        let centres = (0..<4).map { _ in (0..<d).map { _ in Float.random(in: -3...3, using: &generator) } }
        var vectors: [[Float]] = []
        var cluster: [Int] = []
        for i in 0..<200 {
            let c = i % 4
            vectors.append(centres[c].map { $0 + Float.random(in: -0.5...0.5, using: &generator) })
            cluster.append(c)
        }
        let itq = try ITQ.train(vectors, bits: 16, iterations: 20, seed: 42)
        #expect(try ITQ.train(vectors, bits: 16, iterations: 20, seed: 42) == itq)
        let codes = vectors.map(itq.encode)
        var within = 0.0, between = 0.0, nw = 0.0, nb = 0.0
        for i in 0..<200 { for j in i + 1..<200 {
            let distance = Double(codes[i].hammingDistance(to: codes[j]))
            if cluster[i] == cluster[j] { within += distance; nw += 1 } else { between += distance; nb += 1 }
        } }
        #expect(within / nw < 0.5 * between / nb)
        // Bits are balanced-ish: none constant over the training set.
        for bit in 0..<16 { #expect(Set(codes.map { $0[bit] }).count == 2) }
    }

    @Test("too few vectors or too many bits are refused")
    func refused() {
        #expect(throws: FeaturesError.self) { try ITQ.train([[1, 2], [3, 4]], bits: 16) }
        #expect(throws: FeaturesError.self) { try ITQ.train([], bits: 16) }
    }

    @Test("hash feature: 0/1 vector equals its packed code; squared distance equals Hamming")
    func hashFeature() throws {
        var generator = seededGenerator(10)
        let images = (0..<60).map { _ in
            GrayImage(rows: 16, columns: 16, values: (0..<256).map { _ in Float.random(in: 0...1, using: &generator) })
        }
        var options = FeatureOptions()
        options.hashBase = "pixels"
        options.side = 8
        options.bits = 16
        options.itqIterations = 10
        let model = try FeatureRegistry.make("hash", options: options, training: images)
        #expect(model.metric == .hamming && model.dimension == 16)
        let a = model.extract(images[0]), b = model.extract(images[1])
        let ca = try #require(model.hashcode(images[0])), cb = try #require(model.hashcode(images[1]))
        #expect(a == ca.bits.map(Float.init))
        #expect(Int(zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)) == ca.hammingDistance(to: cb))
    }
}
