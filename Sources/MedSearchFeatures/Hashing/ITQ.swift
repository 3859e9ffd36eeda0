import MedSearchCore

/// Iterative quantization (Gong and Lazebnik, CVPR 2011): a similarity-preserving binary code learnt from data.
///
/// Training centres the vectors, projects them on their top `bits` principal directions (randomised subspace
/// iteration, then an exact eigen-decomposition of the small projected covariance) and alternates
/// `B = sign(V R)` with the orthogonal Procrustes update of the rotation `R` for `iterations` rounds.
/// The learnt map is `bit_j(x) = [ (x - mean) . P_j > 0 ]` with `P = W R`.
public struct ITQ: Sendable, Equatable {
    /// The training mean (length = input dimension).
    public var mean: [Float]
    /// The projection, one column per bit, stored bit-major: `projection[j * inputDimension + i]`.
    public var projection: [Float]
    /// Bits per code.
    public var bits: Int

    /// Input dimension.
    public var inputDimension: Int { mean.count }

    /// Creates a model from parts.
    ///
    /// - Throws: ``FeaturesError/malformedModel(reason:)`` when the sizes disagree.
    public init(mean: [Float], projection: [Float], bits: Int) throws(FeaturesError) {
        guard bits >= 1, !mean.isEmpty, projection.count == mean.count * bits else {
            throw .malformedModel(reason: "ITQ projection of \(projection.count) values for \(mean.count) x \(bits)")
        }
        self.mean = mean
        self.projection = projection
        self.bits = bits
    }

    /// Learns the model from `vectors` (all of the same length).
    ///
    /// - Parameters:
    ///   - bits: code length; at most the input dimension and fewer than the number of vectors.
    ///   - iterations: ITQ rounds (50 in the paper).
    ///   - seed: seeds the random initial subspace and rotation (training is deterministic for a seed).
    /// - Throws: ``FeaturesError`` when there are too few vectors or lengths differ.
    public static func train(_ vectors: [[Float]], bits: Int, iterations: Int = 50,
                             seed: UInt64 = 0x1710_2011) throws(FeaturesError) -> ITQ {
        let n = vectors.count
        guard let d = vectors.first?.count, d > 0 else { throw .insufficientTrainingData(reason: "no vectors") }
        guard vectors.allSatisfy({ $0.count == d }) else { throw .insufficientTrainingData(reason: "vectors differ in length") }
        guard bits >= 1, bits <= d else { throw .invalidParameter(name: "bits", reason: "\(bits) bits from \(d) dimensions") }
        guard n > bits else { throw .insufficientTrainingData(reason: "\(n) vectors for \(bits) bits (need more vectors than bits)") }
        var generator = SeededRandomNumberGenerator(seed: seed)

        // Centre.
        var mean = [Double](repeating: 0, count: d)
        for v in vectors { for i in 0..<d { mean[i] += Double(v[i]) } }
        for i in 0..<d { mean[i] /= Double(n) }
        var x = [Double](repeating: 0, count: n * d)
        for (r, v) in vectors.enumerated() { for i in 0..<d { x[r * d + i] = Double(v[i]) - mean[i] } }

        // Top `bits` principal directions by randomised subspace iteration.
        let m = min(d, n, bits + 12)
        var q = (0..<d * m).map { _ in ITQLinearAlgebra.gaussian(using: &generator) }
        ITQLinearAlgebra.orthonormalizeColumns(&q, rows: d, columns: m)
        for _ in 0..<10 {
            let z = ITQLinearAlgebra.multiply(x, q, m: n, k: d, n: m)                  // n x m
            q = ITQLinearAlgebra.multiplyTransposed(x, z, k: n, m: d, n: m)            // d x m
            ITQLinearAlgebra.orthonormalizeColumns(&q, rows: d, columns: m)
        }
        let z = ITQLinearAlgebra.multiply(x, q, m: n, k: d, n: m)
        let small = ITQLinearAlgebra.multiplyTransposed(z, z, k: n, m: m, n: m)        // m x m
        let eigen = ITQLinearAlgebra.symmetricEigen(small, n: m)
        var top = [Double](repeating: 0, count: m * bits)
        for i in 0..<m { for j in 0..<bits { top[i * bits + j] = eigen.vectors[i * m + j] } }
        let w = ITQLinearAlgebra.multiply(q, top, m: d, k: m, n: bits)                  // d x bits
        let v = ITQLinearAlgebra.multiply(x, w, m: n, k: d, n: bits)                    // n x bits

        // Random orthogonal start, then alternate B = sign(VR) and R = polar(V^T B).
        var r = (0..<bits * bits).map { _ in ITQLinearAlgebra.gaussian(using: &generator) }
        ITQLinearAlgebra.orthonormalizeColumns(&r, rows: bits, columns: bits)
        for _ in 0..<iterations {
            var b = ITQLinearAlgebra.multiply(v, r, m: n, k: bits, n: bits)
            for i in b.indices { b[i] = b[i] >= 0 ? 1 : -1 }
            let c = ITQLinearAlgebra.multiplyTransposed(v, b, k: n, m: bits, n: bits)
            r = ITQLinearAlgebra.polarFactor(c, n: bits)
        }
        let p = ITQLinearAlgebra.multiply(w, r, m: d, k: bits, n: bits)                // d x bits
        var projection = [Float](repeating: 0, count: d * bits)
        for i in 0..<d { for j in 0..<bits { projection[j * d + i] = Float(p[i * bits + j]) } }
        return try ITQ(mean: mean.map(Float.init), projection: projection, bits: bits)
    }

    /// The code of `vector`.
    ///
    /// - Precondition: `vector.count == inputDimension`.
    public func encode(_ vector: [Float]) -> Hashcode {
        precondition(vector.count == inputDimension, "vector length differs from the ITQ input dimension")
        let d = inputDimension
        var centred = vector
        for i in 0..<d { centred[i] -= mean[i] }
        var code = Hashcode(bitCount: bits)
        projection.withUnsafeBufferPointer { p in
            for j in 0..<bits {
                var dot: Float = 0
                let column = p.baseAddress! + j * d
                for i in 0..<d { dot += centred[i] * column[i] }
                if dot > 0 { code[j] = true }
            }
        }
        return code
    }

    /// Writes the model.
    public func write(to writer: inout ByteWriter) {
        writer.write(UInt16(bits))
        writer.writeArray(mean)
        writer.writeArray(projection)
    }

    /// Reads what ``write(to:)`` wrote.
    public static func read(from reader: inout ByteReader) throws -> ITQ {
        let bits = Int(try reader.read(UInt16.self))
        let mean = try reader.readFloatArray(maxCount: 1 << 22)
        let projection = try reader.readFloatArray(maxCount: 1 << 26)
        return try ITQ(mean: mean, projection: projection, bits: bits)
    }
}
