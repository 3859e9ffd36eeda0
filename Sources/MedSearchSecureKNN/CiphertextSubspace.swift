/// The affine subspace that encrypted index vectors of one key lie in, found from the ciphertexts alone.
///
/// An index vector is `f' = f^ M^-1` with `f^` interleaving `f~` (d + 1 values that depend on the feature)
/// with the constant vector `S`. So `f' = c + sum_j f~_j R_j` (`R_j` the rows of `M^-1` at the `f~`
/// positions, `c` the fixed contribution of `S`): every ciphertext of a key lies in one affine subspace of
/// dimension at most `d + 1` inside the `2d + 2`-dimensional ciphertext space. Anyone holding the ciphertexts,
/// in particular the cloud, can find that subspace by linear algebra; this type does so, and stores each
/// vector as `origin + coordinates * basis` with an orthonormal basis of at most `d + 1` rows.
///
/// The cloud uses it to halve the work and memory of scoring: for a trapdoor `t`,
/// `f'_i . t = origin . t + a_i . (basis t)`, so ranking needs only the `rank`-dimensional coordinates `a_i`
/// and the projected trapdoor `basis t`. The result is the same score up to floating-point rounding (the
/// component of a stored vector outside the subspace is below ``relativeTolerance`` times its norm, the
/// order of the `Float` rounding of the ciphertext itself).
///
/// Security note: this reveals nothing a ciphertext-only adversary could not compute itself; it is a
/// concrete sign that the dummy dimensions `S` add no hiding against the cloud (see docs/sei.md).
///
/// The basis grows on demand (Gram-Schmidt with one re-orthogonalisation): a vector with a larger
/// out-of-subspace component extends it, and earlier vectors keep their coordinates (their coordinate on the
/// new direction is zero up to the tolerance).
public struct CiphertextSubspace: Sendable {
    /// The length of the ciphertexts (`2d + 2`).
    public let ambientDimension: Int
    /// The origin (the first vector seen); empty before the first vector.
    public private(set) var origin: [Double]
    /// Orthonormal basis rows, `rank * ambientDimension` values, row-major.
    public private(set) var basis: [Double]
    /// The number of basis rows.
    public private(set) var rank: Int

    /// A vector whose component outside the subspace exceeds this fraction of its norm extends the basis.
    public static let relativeTolerance = 1e-6

    /// An empty subspace for ciphertexts of length `ambientDimension`.
    public init(ambientDimension: Int) {
        precondition(ambientDimension >= 1, "dimension must be positive")
        self.ambientDimension = ambientDimension
        origin = []
        basis = []
        rank = 0
    }

    /// The coordinates of `vector` in the subspace (`rank` values after the call), extending the basis when
    /// the vector lies outside it.
    /// - Throws: ``SecureKNNError`` for a wrong length or a non-finite value.
    /// - Returns: the coordinates and whether the basis grew (earlier coordinates then need one more
    ///   entry, zero).
    public mutating func coordinates(of vector: [Float]) throws(SecureKNNError) -> (coordinates: [Double], extended: Bool) {
        guard vector.count == ambientDimension else {
            throw .dimensionMismatch(what: "encrypted vector", expected: ambientDimension, actual: vector.count)
        }
        guard vector.allSatisfy(\.isFinite) else { throw .nonFiniteValue(what: "encrypted vector") }
        let n = ambientDimension
        if origin.isEmpty {
            origin = vector.map(Double.init)
            return ([Double](repeating: 0, count: rank), false)
        }
        var x = [Double](repeating: 0, count: n)
        var vectorNorm2 = 0.0, originNorm2 = 0.0, x2 = 0.0
        for j in 0..<n {
            let v = Double(vector[j])
            x[j] = v - origin[j]
            vectorNorm2 += v * v
            originNorm2 += origin[j] * origin[j]
            x2 += x[j] * x[j]
        }
        var a = project(x)
        let a2 = a.reduce(0) { $0 + $1 * $1 }
        let tolerance = Self.relativeTolerance * max(vectorNorm2, originNorm2).squareRoot()
        // Pythagoras: the squared residual is |x|^2 - |a|^2 (exact enough: tolerance^2 >> 1e-16 |x|^2).
        guard x2 - a2 > tolerance * tolerance else { return (a, false) }
        // Explicit residual with one re-orthogonalisation.
        var residual = x
        subtractCombination(a, from: &residual)
        let correction = project(residual)
        subtractCombination(correction, from: &residual)
        for i in 0..<rank { a[i] += correction[i] }
        let norm = residual.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > tolerance, rank < n else { return (a, false) }
        basis.append(contentsOf: residual.map { $0 / norm })
        rank += 1
        a.append(norm)
        return (a, true)
    }

    /// `basis * x` (`rank` values).
    public func project(_ x: [Double]) -> [Double] {
        precondition(x.count == ambientDimension, "vector length differs from the subspace's")
        let n = ambientDimension
        var result = [Double](repeating: 0, count: rank)
        basis.withUnsafeBufferPointer { b in
            x.withUnsafeBufferPointer { xv in
                for i in 0..<rank {
                    let row = b.baseAddress! + i * n
                    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                    var j = 0
                    while j + 4 <= n {
                        s0 += row[j] * xv[j]
                        s1 += row[j + 1] * xv[j + 1]
                        s2 += row[j + 2] * xv[j + 2]
                        s3 += row[j + 3] * xv[j + 3]
                        j += 4
                    }
                    while j < n { s0 += row[j] * xv[j]; j += 1 }
                    result[i] = (s0 + s1) + (s2 + s3)
                }
            }
        }
        return result
    }

    /// The vector `origin + coordinates * basis` (the stored ciphertext up to rounding).
    public func reconstruct(_ coordinates: [Double]) -> [Double] {
        precondition(coordinates.count <= rank, "more coordinates than basis rows")
        guard !origin.isEmpty else { return [Double](repeating: 0, count: ambientDimension) }
        var result = origin
        for (i, c) in coordinates.enumerated() where c != 0 {
            for j in 0..<ambientDimension { result[j] += c * basis[i * ambientDimension + j] }
        }
        return result
    }

    /// A trapdoor `t` as the pair (`basis t`, `origin . t`): `f'_i . t = origin . t + a_i . (basis t)`.
    /// - Throws: ``SecureKNNError`` for a wrong length or a non-finite value.
    public func projectTrapdoor(_ trapdoor: [Double]) throws(SecureKNNError) -> (coordinates: [Double], offset: Double) {
        guard trapdoor.count == ambientDimension else {
            throw .dimensionMismatch(what: "trapdoor", expected: ambientDimension, actual: trapdoor.count)
        }
        guard trapdoor.allSatisfy(\.isFinite) else { throw .nonFiniteValue(what: "trapdoor") }
        let offset = origin.isEmpty ? 0 : zip(origin, trapdoor).reduce(0) { $0 + $1.0 * $1.1 }
        return (project(trapdoor), offset)
    }

    private func subtractCombination(_ coefficients: [Double], from x: inout [Double]) {
        let n = ambientDimension
        for (i, c) in coefficients.enumerated() where c != 0 {
            for j in 0..<n { x[j] -= c * basis[i * n + j] }
        }
    }
}
