extension Matrix {
    /// The inverse, by Gauss-Jordan elimination with partial pivoting.
    ///
    /// A pivot smaller than `1e-12` times the largest entry of the matrix counts as zero.
    /// - Throws: ``SecureKNNError/singularMatrix(what:)`` for a singular matrix,
    ///   ``SecureKNNError/dimensionMismatch(what:expected:actual:)`` for a non-square one.
    /// - Complexity: O(n^3).
    public func inverted() throws(SecureKNNError) -> Matrix {
        guard rows == columns else { throw .dimensionMismatch(what: "matrix to invert (columns)", expected: rows, actual: columns) }
        guard isFinite else { throw .nonFiniteValue(what: "matrix to invert") }
        let n = rows
        if n == 0 { return self }
        var a = elements
        var inverse = Matrix.identity(n).elements
        let scale = elements.reduce(0) { max($0, abs($1)) }
        guard scale > 0 else { throw .singularMatrix(what: "matrix") }
        let tolerance = scale * 1e-12
        for column in 0..<n {
            var pivotRow = column
            var pivotValue = abs(a[column * n + column])
            for row in (column + 1)..<n where abs(a[row * n + column]) > pivotValue {
                pivotRow = row
                pivotValue = abs(a[row * n + column])
            }
            guard pivotValue > tolerance else { throw .singularMatrix(what: "matrix") }
            if pivotRow != column {
                for j in 0..<n {
                    a.swapAt(column * n + j, pivotRow * n + j)
                    inverse.swapAt(column * n + j, pivotRow * n + j)
                }
            }
            let pivot = a[column * n + column]
            let reciprocal = 1 / pivot
            for j in 0..<n {
                a[column * n + j] *= reciprocal
                inverse[column * n + j] *= reciprocal
            }
            a.withUnsafeMutableBufferPointer { ap in
                inverse.withUnsafeMutableBufferPointer { ip in
                    let pivotA = ap.baseAddress! + column * n
                    let pivotI = ip.baseAddress! + column * n
                    for row in 0..<n where row != column {
                        let factor = ap[row * n + column]
                        if factor == 0 { continue }
                        let rowA = ap.baseAddress! + row * n
                        let rowI = ip.baseAddress! + row * n
                        for j in 0..<n {
                            rowA[j] -= factor * pivotA[j]
                            rowI[j] -= factor * pivotI[j]
                        }
                    }
                }
            }
        }
        let result = try Matrix(rows: n, columns: n, elements: inverse)
        guard result.isFinite else { throw .singularMatrix(what: "matrix") }
        return result
    }
}
