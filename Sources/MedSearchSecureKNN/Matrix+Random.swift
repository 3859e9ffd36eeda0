#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Matrix {
    /// A matrix with independent standard normal entries drawn from `generator`.
    public static func gaussian(rows: Int, columns: Int, using generator: inout some RandomNumberGenerator) -> Matrix {
        var matrix = Matrix(rows: rows, columns: columns)
        for index in 0..<matrix.elements.count { matrix.elements[index] = standardNormal(using: &generator) }
        return matrix
    }

    /// A random orthogonal matrix (Haar distributed): the Q factor of the Householder QR decomposition of a
    /// Gaussian matrix, with the signs fixed by R's diagonal.
    public static func randomOrthogonal(_ n: Int, using generator: inout some RandomNumberGenerator) -> Matrix {
        var a = gaussian(rows: n, columns: n, using: &generator)
        var q = Matrix.identity(n)
        var v = [Double](repeating: 0, count: n)
        for k in 0..<n {
            // Householder vector for column k below the diagonal.
            var norm = 0.0
            for i in k..<n { norm += a[i, k] * a[i, k] }
            norm = norm.squareRoot()
            if norm == 0 { continue }
            let alpha = a[k, k] > 0 ? -norm : norm
            for i in 0..<n { v[i] = i < k ? 0 : a[i, k] }
            v[k] -= alpha
            var vNorm = 0.0
            for i in k..<n { vNorm += v[i] * v[i] }
            if vNorm == 0 { continue }
            // A <- (I - 2vv^T/v^Tv) A ; Q <- Q (I - 2vv^T/v^Tv)
            for j in k..<n {
                var dot = 0.0
                for i in k..<n { dot += v[i] * a[i, j] }
                let f = 2 * dot / vNorm
                for i in k..<n { a[i, j] -= f * v[i] }
            }
            for i in 0..<n {
                var dot = 0.0
                for l in k..<n { dot += q[i, l] * v[l] }
                let f = 2 * dot / vNorm
                for l in k..<n { q[i, l] -= f * v[l] }
            }
        }
        // Make the distribution Haar: multiply column k of Q by sign(R_kk).
        for k in 0..<n where a[k, k] < 0 {
            for i in 0..<n { q[i, k] = -q[i, k] }
        }
        return q
    }

    /// A random invertible `n x n` matrix with condition number at most `maxCondition`:
    /// `Q1 * diag(s) * Q2` with Haar-random orthogonal `Q1`, `Q2` and singular values `s` uniform in
    /// `[1, maxCondition]`.
    public static func randomWellConditioned(_ n: Int, maxCondition: Double = 4,
                                             using generator: inout some RandomNumberGenerator) -> Matrix {
        precondition(maxCondition >= 1, "a condition number is at least 1")
        var left = randomOrthogonal(n, using: &generator)
        let right = randomOrthogonal(n, using: &generator)
        for j in 0..<n {
            let s = maxCondition == 1 ? 1 : Double.random(in: 1...maxCondition, using: &generator)
            for i in 0..<n { left[i, j] *= s }
        }
        return left.multiplied(by: right)
    }

    /// A standard normal sample (Box-Muller).
    static func standardNormal(using generator: inout some RandomNumberGenerator) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
