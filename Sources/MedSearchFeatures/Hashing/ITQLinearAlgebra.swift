import Foundation

/// Small dense linear algebra in double precision for ITQ training (row-major matrices as flat arrays).
enum ITQLinearAlgebra {
    /// y[0..<count] += factor * x[0..<count], four lanes at a time (the hot loop of every routine here).
    @inline(__always)
    static func axpy(_ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ factor: Double, _ count: Int) {
        let f = SIMD4<Double>(repeating: factor)
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 4 <= count {
            let value = ry.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
                + f * rx.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
            ry.storeBytes(of: value, toByteOffset: i &* 8, as: SIMD4<Double>.self)
            i &+= 4
        }
        while i < count {
            y[i] += factor * x[i]
            i &+= 1
        }
    }

    /// C (m x n) = A (m x k) * B (k x n).
    static func multiply(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for i in 0..<m {
                        let row = c.baseAddress! + i * n
                        for p in 0..<k {
                            let value = a[i * k + p]
                            if value == 0 { continue }
                            axpy(row, b.baseAddress! + p * n, value, n)
                        }
                    }
                }
            }
        }
        return c
    }

    /// C (m x n) = A^T * B where A is k x m and B is k x n.
    static func multiplyTransposed(_ a: [Double], _ b: [Double], k: Int, m: Int, n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for p in 0..<k {
                        let bRow = b.baseAddress! + p * n
                        for i in 0..<m {
                            let value = a[p * m + i]
                            if value == 0 { continue }
                            axpy(c.baseAddress! + i * n, bRow, value, n)
                        }
                    }
                }
            }
        }
        return c
    }

    static func transpose(_ a: [Double], rows: Int, columns: Int) -> [Double] {
        var t = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows { for j in 0..<columns { t[j * rows + i] = a[i * columns + j] } }
        return t
    }

    /// Orthonormalises the columns of a (rows x columns) matrix in place (modified Gram-Schmidt, twice).
    /// A column that becomes numerically zero is replaced by a unit vector orthogonal to the previous ones.
    static func orthonormalizeColumns(_ a: inout [Double], rows: Int, columns: Int) {
        // Work on the transpose so that every column is contiguous.
        var t = transpose(a, rows: rows, columns: columns)
        t.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            func dot(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>) -> Double {
                var s0 = 0.0, s1 = 0.0
                var i = 0
                while i + 1 < rows { s0 += x[i] * y[i]; s1 += x[i + 1] * y[i + 1]; i += 2 }
                if i < rows { s0 += x[i] * y[i] }
                return s0 + s1
            }
            for j in 0..<columns {
                let v = base + j * rows
                for _ in 0..<2 {
                    for q in 0..<j {
                        let u = base + q * rows
                        axpy(v, u, -dot(v, u), rows)
                    }
                }
                var norm = dot(v, v).squareRoot()
                if norm < 1e-12 {
                    // Degenerate: use the first canonical vector with a usable orthogonal remainder.
                    for e in 0..<rows {
                        for i in 0..<rows { v[i] = i == e ? 1 : 0 }
                        for q in 0..<j {
                            let u = base + q * rows
                            let projection = u[e]
                            for i in 0..<rows { v[i] -= projection * u[i] }
                        }
                        norm = dot(v, v).squareRoot()
                        if norm > 1e-6 { break }
                    }
                }
                let scale = 1 / norm
                for i in 0..<rows { v[i] *= scale }
            }
        }
        a = transpose(t, rows: columns, columns: rows)
    }

    /// Eigen-decomposition of a symmetric n x n matrix by cyclic Jacobi rotations.
    /// - Returns: eigenvalues in decreasing order and the matching eigenvectors as the columns of an n x n matrix.
    static func symmetricEigen(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0, total = 0.0
            for i in 0..<n {
                for j in 0..<n {
                    let x = a[i * n + j] * a[i * n + j]
                    total += x
                    if i != j { off += x }
                }
            }
            if off <= 1e-22 * max(total, 1e-300) { break }
            for p in 0..<n - 1 {
                for q in p + 1..<n {
                    let apq = a[p * n + q]
                    if abs(apq) < 1e-300 { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        var vectors = [Double](repeating: 0, count: n * n)
        for (newColumn, old) in order.enumerated() {
            for k in 0..<n { vectors[k * n + newColumn] = v[k * n + old] }
        }
        return (order.map { a[$0 * n + $0] }, vectors)
    }

    /// Inverse of an n x n matrix by Gauss-Jordan elimination with partial pivoting, or nil when singular.
    static func inverse(_ matrix: [Double], n: Int) -> [Double]? {
        // Augmented rows [A | I], 2n wide, eliminated in place with contiguous row operations.
        let width = 2 * n
        var m = [Double](repeating: 0, count: n * width)
        var scale = 0.0
        for i in 0..<n {
            for j in 0..<n {
                m[i * width + j] = matrix[i * n + j]
                scale = max(scale, abs(matrix[i * n + j]))
            }
            m[i * width + n + i] = 1
        }
        let singular: Bool = m.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            for column in 0..<n {
                var pivot = column
                for r in column + 1..<n where abs(base[r * width + column]) > abs(base[pivot * width + column]) { pivot = r }
                let value = base[pivot * width + column]
                if abs(value) <= 1e-13 * max(scale, 1e-300) { return true }
                if pivot != column {
                    let a = base + pivot * width, b = base + column * width
                    for k in 0..<width { let t = a[k]; a[k] = b[k]; b[k] = t }
                }
                let pivotRow = base + column * width
                let reciprocal = 1 / value
                for k in column..<width { pivotRow[k] *= reciprocal }
                for r in 0..<n where r != column {
                    let row = base + r * width
                    let factor = row[column]
                    if factor == 0 { continue }
                    axpy(row + column, pivotRow + column, -factor, width - column)
                }
            }
            return false
        }
        if singular { return nil }
        var inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { inv[i * n + j] = m[i * width + n + j] } }
        return inv
    }

    /// The orthogonal polar factor U V^T of M = U S V^T (the solution of the orthogonal Procrustes problem
    /// max tr(R^T M)), by the scaled Newton iteration X <- (g X + X^-T / g) / 2 (Higham 1986).
    static func polarFactor(_ m: [Double], n: Int) -> [Double] {
        var x = m
        var norm = 0.0
        for value in x { norm += value * value }
        if norm == 0 { x = (0..<n * n).map { $0 % (n + 1) == 0 ? 1 : 0 }; return x }
        for iteration in 0..<60 {
            var candidate = inverse(x, n: n)
            if candidate == nil {
                // Nearly singular: regularise slightly (the factor is not unique then anyway).
                let bump = 1e-8 * norm.squareRoot() / Double(n)
                for i in 0..<n { x[i * n + i] += bump }
                candidate = inverse(x, n: n)
            }
            guard let inv = candidate else { break }
            var fx = 0.0, fi = 0.0
            for value in x { fx += value * value }
            for value in inv { fi += value * value }
            let gamma = iteration < 20 ? (fi.squareRoot() / fx.squareRoot()).squareRoot() : 1
            var change = 0.0, size = 0.0
            var next = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    let value = 0.5 * (gamma * x[i * n + j] + inv[j * n + i] / gamma)
                    change += (value - x[i * n + j]) * (value - x[i * n + j])
                    size += value * value
                    next[i * n + j] = value
                }
            }
            x = next
            if change <= 1e-24 * size { break }
        }
        return x
    }

    /// A standard normal sample (Box-Muller).
    static func gaussian<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
