import MedSearchCore

/// Principal component analysis: fit on training features, project new features to the top components.
///
/// Fitting centres the data, then finds the leading eigenvectors of the covariance matrix:
/// - for inputs of at most ``exactDimensionLimit`` dimensions, by cyclic Jacobi on the full covariance
///   matrix (exact);
/// - above that, by block subspace iteration on `X^T X` (never forming the covariance matrix when the input
///   is wide) followed by a Rayleigh-Ritz step solved with Jacobi, which converges to the leading
///   components geometrically in the eigenvalue gap.
///
/// ```swift
/// let pca = try PCA.fit(trainingFeatures, outputDimension: 128)
/// let reduced = try pca.transform(feature)        // 128 numbers
/// let bytes = pca.serialized()                    // versioned; PCA(serialized:) reads it back
/// ```
public struct PCA: Sendable, Equatable {
    /// Input dimensions up to this use the exact Jacobi eigendecomposition.
    public static let exactDimensionLimit = 320

    /// The dimension of the input features.
    public let inputDimension: Int
    /// The number of components kept.
    public let outputDimension: Int
    /// The training mean (length ``inputDimension``).
    public let mean: [Double]
    /// The components, row after row (``outputDimension`` rows of ``inputDimension`` entries), orthonormal,
    /// ordered by decreasing variance, each with its largest-magnitude entry positive.
    public let components: [Double]
    /// The variance of the training data along each component (decreasing).
    public let explainedVariances: [Double]
    /// The total variance of the training data (the trace of the covariance matrix).
    public let totalVariance: Double

    /// Creates a model from explicit parts (decoding, tests).
    /// - Throws: ``PCAError`` when shapes disagree or values are not finite.
    public init(mean: [Double], components: [Double], explainedVariances: [Double], totalVariance: Double) throws(PCAError) {
        let input = mean.count, output = explainedVariances.count
        guard input >= 1, output >= 1, output <= input else { throw .invalidDimension(input: input, output: output) }
        guard components.count == input * output else {
            throw .dimensionMismatch(expected: input * output, actual: components.count)
        }
        guard mean.allSatisfy(\.isFinite), components.allSatisfy(\.isFinite), explainedVariances.allSatisfy(\.isFinite),
              totalVariance.isFinite else { throw .nonFiniteValue }
        inputDimension = input
        outputDimension = output
        self.mean = mean
        self.components = components
        self.explainedVariances = explainedVariances
        self.totalVariance = totalVariance
    }

    /// Fits a model keeping `outputDimension` components.
    ///
    /// - Parameters:
    ///   - samples: training features, all of one length.
    ///   - outputDimension: components to keep (at most the input dimension).
    ///   - iterations: subspace iterations for wide inputs (ignored on the exact path).
    ///   - seed: seed of the starting subspace (the fit is deterministic for a given seed).
    /// - Throws: ``PCAError`` for empty or ragged input, non-finite values or a bad dimension.
    /// - Complexity: exact path O(n d^2 + d^3); wide path O(iterations * n * d * k).
    public static func fit(_ samples: [[Double]], outputDimension: Int, iterations: Int = 10,
                           seed: UInt64 = 0x9CA) throws(PCAError) -> PCA {
        guard let first = samples.first else { throw .emptyTrainingSet }
        let d = first.count, n = samples.count
        guard d >= 1, outputDimension >= 1, outputDimension <= d else {
            throw .invalidDimension(input: d, output: outputDimension)
        }
        for sample in samples {
            guard sample.count == d else { throw .dimensionMismatch(expected: d, actual: sample.count) }
            guard sample.allSatisfy(\.isFinite) else { throw .nonFiniteValue }
        }
        var mean = [Double](repeating: 0, count: d)
        for sample in samples { for j in 0..<d { mean[j] += sample[j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        // Centred data, row-major n x d.
        var x = [Double](repeating: 0, count: n * d)
        for (i, sample) in samples.enumerated() { for j in 0..<d { x[i * d + j] = sample[j] - mean[j] } }
        let denominator = Double(max(n - 1, 1))
        var total = 0.0
        for value in x { total += value * value }
        total /= denominator

        let k = outputDimension
        var vectors: [Double]   // k' x d, rows are eigenvectors
        var values: [Double]
        if d <= exactDimensionLimit {
            let covariance = gram(x, n: n, d: d, scale: 1 / denominator)
            (values, vectors) = jacobiEigen(covariance, n: d)
        } else {
            (values, vectors) = subspaceIteration(x, n: n, d: d, k: min(d, k + 10), iterations: max(1, iterations),
                                                  scale: 1 / denominator, seed: seed)
        }
        // Keep the top k, fix signs.
        var components = [Double](repeating: 0, count: k * d)
        for c in 0..<k {
            var row = Array(vectors[c * d..<(c + 1) * d])
            var largest = 0
            for j in 1..<d where abs(row[j]) > abs(row[largest]) { largest = j }
            if row[largest] < 0 { for j in 0..<d { row[j] = -row[j] } }
            for j in 0..<d { components[c * d + j] = row[j] }
        }
        let variances = (0..<k).map { max(0, values[$0]) }
        return try PCA(mean: mean, components: components, explainedVariances: variances, totalVariance: total)
    }

    /// Fits a model from `Float` features.
    public static func fit(_ samples: [[Float]], outputDimension: Int, iterations: Int = 10,
                           seed: UInt64 = 0x9CA) throws(PCAError) -> PCA {
        try fit(samples.map { $0.map(Double.init) }, outputDimension: outputDimension, iterations: iterations, seed: seed)
    }

    /// Projects one feature onto the components: `(x - mean) * components^T`.
    /// - Throws: ``PCAError/dimensionMismatch(expected:actual:)`` or ``PCAError/nonFiniteValue``.
    public func transform(_ feature: [Double]) throws(PCAError) -> [Double] {
        guard feature.count == inputDimension else { throw .dimensionMismatch(expected: inputDimension, actual: feature.count) }
        guard feature.allSatisfy(\.isFinite) else { throw .nonFiniteValue }
        let d = inputDimension
        var centred = [Double](repeating: 0, count: d)
        for j in 0..<d { centred[j] = feature[j] - mean[j] }
        var out = [Double](repeating: 0, count: outputDimension)
        components.withUnsafeBufferPointer { c in
            for i in 0..<outputDimension {
                var s = 0.0
                let row = c.baseAddress! + i * d
                for j in 0..<d { s += row[j] * centred[j] }
                out[i] = s
            }
        }
        return out
    }

    /// Projects one `Float` feature.
    public func transform(_ feature: [Float]) throws(PCAError) -> [Double] {
        try transform(feature.map(Double.init))
    }

    /// Maps reduced coordinates back to the input space (the best rank-k reconstruction).
    public func inverseTransform(_ reduced: [Double]) throws(PCAError) -> [Double] {
        guard reduced.count == outputDimension else { throw .dimensionMismatch(expected: outputDimension, actual: reduced.count) }
        var out = mean
        for i in 0..<outputDimension {
            for j in 0..<inputDimension { out[j] += reduced[i] * components[i * inputDimension + j] }
        }
        return out
    }

    /// The fraction of the training variance the kept components explain.
    public var explainedVarianceRatio: Double {
        totalVariance > 0 ? explainedVariances.reduce(0, +) / totalVariance : 0
    }
}

// MARK: - Linear algebra helpers

extension PCA {
    /// `scale * X^T X` for row-major `x` (n x d).
    static func gram(_ x: [Double], n: Int, d: Int, scale: Double) -> [Double] {
        var c = [Double](repeating: 0, count: d * d)
        c.withUnsafeMutableBufferPointer { cp in
            x.withUnsafeBufferPointer { xp in
                for i in 0..<n {
                    let row = xp.baseAddress! + i * d
                    for a in 0..<d {
                        let v = row[a]
                        if v == 0 { continue }
                        let out = cp.baseAddress! + a * d
                        for b in a..<d { out[b] += v * row[b] }
                    }
                }
            }
        }
        for a in 0..<d {
            for b in a..<d {
                let value = c[a * d + b] * scale
                c[a * d + b] = value
                c[b * d + a] = value
            }
        }
        return c
    }

    /// Eigen-decomposition of a symmetric `n x n` matrix by cyclic Jacobi rotations.
    /// Returns eigenvalues in decreasing order and the eigenvectors as rows (row-major n x n).
    static func jacobiEigen(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        var norm = 0.0
        for value in a { norm += value * value }
        let threshold = max(norm, .leastNormalMagnitude) * 1e-30
        for _ in 0..<60 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += a[p * n + q] * a[p * n + q] } }
            if off <= threshold { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) {
                    let apq = a[p * n + q]
                    if abs(apq) < 1e-300 { continue }
                    let app = a[p * n + p], aqq = a[q * n + q]
                    let tau = (aqq - app) / (2 * apq)
                    let t = (tau >= 0 ? 1 : -1) / (abs(tau) + (1 + tau * tau).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = t * c
                    a.withUnsafeMutableBufferPointer { ap in
                        // Rows and columns p, q of A (symmetric update).
                        for k in 0..<n {
                            let akp = ap[k * n + p], akq = ap[k * n + q]
                            ap[k * n + p] = c * akp - s * akq
                            ap[k * n + q] = s * akp + c * akq
                        }
                        let rowP = ap.baseAddress! + p * n, rowQ = ap.baseAddress! + q * n
                        for k in 0..<n {
                            let apk = rowP[k], aqk = rowQ[k]
                            rowP[k] = c * apk - s * aqk
                            rowQ[k] = s * apk + c * aqk
                        }
                    }
                    v.withUnsafeMutableBufferPointer { vp in
                        // Eigenvectors stored as rows: rows p and q rotate.
                        let rowP = vp.baseAddress! + p * n, rowQ = vp.baseAddress! + q * n
                        for k in 0..<n {
                            let vpk = rowP[k], vqk = rowQ[k]
                            rowP[k] = c * vpk - s * vqk
                            rowQ[k] = s * vpk + c * vqk
                        }
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        var values = [Double](), vectors = [Double]()
        values.reserveCapacity(n)
        vectors.reserveCapacity(n * n)
        for i in order {
            values.append(a[i * n + i])
            vectors.append(contentsOf: v[i * n..<(i + 1) * n])
        }
        return (values, vectors)
    }

    /// Leading `k` eigenpairs of `scale * X^T X` by block subspace iteration with Rayleigh-Ritz.
    static func subspaceIteration(_ x: [Double], n: Int, d: Int, k: Int, iterations: Int, scale: Double,
                                  seed: UInt64) -> (values: [Double], vectors: [Double]) {
        var generator = SeededRandomNumberGenerator(seed: seed)
        // Q: k x d (rows are basis vectors).
        var q = (0..<(k * d)).map { _ in Double.random(in: -1...1, using: &generator) }
        orthonormalizeRows(&q, rows: k, columns: d)
        for _ in 0..<iterations {
            q = applyCovariance(x, n: n, d: d, basis: q, k: k, scale: scale)
            orthonormalizeRows(&q, rows: k, columns: d)
        }
        // Rayleigh-Ritz: B = Q C Q^T (k x k).
        let cq = applyCovariance(x, n: n, d: d, basis: q, k: k, scale: scale)
        var b = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in i..<k {
                var s = 0.0
                for t in 0..<d { s += q[i * d + t] * cq[j * d + t] }
                b[i * k + j] = s
                b[j * k + i] = s
            }
        }
        let (values, small) = jacobiEigen(b, n: k)
        var vectors = [Double](repeating: 0, count: k * d)
        for i in 0..<k {
            for j in 0..<k {
                let w = small[i * k + j]
                if w == 0 { continue }
                for t in 0..<d { vectors[i * d + t] += w * q[j * d + t] }
            }
        }
        return (values, vectors)
    }

    /// Rows of `scale * (X^T X) Q^T`, transposed back: for each basis row b, `scale * X^T (X b)`.
    static func applyCovariance(_ x: [Double], n: Int, d: Int, basis q: [Double], k: Int, scale: Double) -> [Double] {
        // P = X Q^T (n x k), then R = P^T X (k x d).
        var p = [Double](repeating: 0, count: n * k)
        x.withUnsafeBufferPointer { xp in
            q.withUnsafeBufferPointer { qp in
                for i in 0..<n {
                    let row = xp.baseAddress! + i * d
                    for j in 0..<k {
                        let basis = qp.baseAddress! + j * d
                        var s = 0.0
                        for t in 0..<d { s += row[t] * basis[t] }
                        p[i * k + j] = s
                    }
                }
            }
        }
        var r = [Double](repeating: 0, count: k * d)
        r.withUnsafeMutableBufferPointer { rp in
            x.withUnsafeBufferPointer { xp in
                for i in 0..<n {
                    let row = xp.baseAddress! + i * d
                    for j in 0..<k {
                        let w = p[i * k + j] * scale
                        let out = rp.baseAddress! + j * d
                        for t in 0..<d { out[t] += w * row[t] }
                    }
                }
            }
        }
        return r
    }

    /// Modified Gram-Schmidt on the rows (twice, for stability); a vanishing row is replaced by a unit vector.
    static func orthonormalizeRows(_ a: inout [Double], rows: Int, columns: Int) {
        for _ in 0..<2 {
            for i in 0..<rows {
                for j in 0..<i {
                    var dot = 0.0
                    for t in 0..<columns { dot += a[i * columns + t] * a[j * columns + t] }
                    for t in 0..<columns { a[i * columns + t] -= dot * a[j * columns + t] }
                }
                var norm = 0.0
                for t in 0..<columns { norm += a[i * columns + t] * a[i * columns + t] }
                norm = norm.squareRoot()
                if norm < 1e-300 {
                    for t in 0..<columns { a[i * columns + t] = t == i % columns ? 1 : 0 }
                } else {
                    for t in 0..<columns { a[i * columns + t] /= norm }
                }
            }
        }
    }
}

/// Why a PCA model could not be fitted, applied or decoded.
public enum PCAError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No training samples.
    case emptyTrainingSet
    /// The requested output dimension is impossible for the input.
    case invalidDimension(input: Int, output: Int)
    /// A vector had the wrong length.
    case dimensionMismatch(expected: Int, actual: Int)
    /// A value was NaN or infinite.
    case nonFiniteValue
    /// Serialized model data could not be decoded.
    case malformedData(String)

    public var description: String {
        switch self {
        case .emptyTrainingSet: "PCA needs at least one training sample"
        case let .invalidDimension(input, output): "cannot keep \(output) components of a \(input)-dimensional input"
        case let .dimensionMismatch(expected, actual): "PCA vector length \(actual), expected \(expected)"
        case .nonFiniteValue: "PCA input contains a value that is not finite"
        case let .malformedData(reason): "malformed PCA model: \(reason)"
        }
    }
}
