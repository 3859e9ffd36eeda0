/// A dense row-major matrix of `Double`, the linear algebra the secure kNN keys need.
///
/// Sizes here are small (at most a few thousand rows), so the implementation favours clear loops whose inner
/// dimension is contiguous (the compiler vectorises them) over blocking.
///
/// ```swift
/// let m = Matrix(rows: [[2, 1], [1, 3]])
/// let inverse = try m.inverted()
/// let y = m.multiply(rowVector: [1, 2])   // [4, 7]
/// ```
public struct Matrix: Sendable, Equatable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The entries, row after row (`elements[i * columns + j]` is row `i`, column `j`).
    public var elements: [Double]

    /// Creates a `rows x columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        elements = [Double](repeating: value, count: rows * columns)
    }

    /// Creates a matrix from row-major `elements`.
    /// - Throws: ``SecureKNNError/dimensionMismatch(what:expected:actual:)`` when the count is not `rows * columns`.
    public init(rows: Int, columns: Int, elements: [Double]) throws(SecureKNNError) {
        guard rows >= 0, columns >= 0 else { throw .invalidParameter("negative matrix dimension") }
        guard elements.count == rows * columns else {
            throw .dimensionMismatch(what: "matrix elements", expected: rows * columns, actual: elements.count)
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// Creates a matrix from an array of equally long rows (a programmer error otherwise).
    public init(rows values: [[Double]]) {
        let columns = values.first?.count ?? 0
        precondition(values.allSatisfy { $0.count == columns }, "rows must have equal lengths")
        self.rows = values.count
        self.columns = columns
        elements = values.flatMap { $0 }
    }

    /// The `n x n` identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var matrix = Matrix(rows: n, columns: n)
        for i in 0..<n { matrix.elements[i * n + i] = 1 }
        return matrix
    }

    /// The entry at row `row`, column `column`.
    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] { Array(elements[i * columns..<(i + 1) * columns]) }

    /// The transpose.
    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for i in 0..<rows {
            for j in 0..<columns { result.elements[j * rows + i] = elements[i * columns + j] }
        }
        return result
    }

    /// Whether every entry is finite.
    public var isFinite: Bool { elements.allSatisfy(\.isFinite) }

    /// The matrix product `self * other`.
    /// - Complexity: O(rows * columns * other.columns).
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows, "inner dimensions must agree")
        var result = Matrix(rows: rows, columns: other.columns)
        let n = other.columns
        result.elements.withUnsafeMutableBufferPointer { out in
            elements.withUnsafeBufferPointer { a in
                other.elements.withUnsafeBufferPointer { b in
                    for i in 0..<rows {
                        let outRow = out.baseAddress! + i * n
                        for k in 0..<columns {
                            let aik = a[i * columns + k]
                            if aik == 0 { continue }
                            let bRow = b.baseAddress! + k * n
                            for j in 0..<n { outRow[j] += aik * bRow[j] }
                        }
                    }
                }
            }
        }
        return result
    }

    /// The row vector `x * self` (length `columns`); `x` must have length `rows`.
    public func multiply(rowVector x: [Double]) -> [Double] {
        precondition(x.count == rows, "row vector length must equal the row count")
        var result = [Double](repeating: 0, count: columns)
        let n = columns
        result.withUnsafeMutableBufferPointer { out in
            elements.withUnsafeBufferPointer { a in
                for i in 0..<rows {
                    let xi = x[i]
                    if xi == 0 { continue }
                    let aRow = a.baseAddress! + i * n
                    for j in 0..<n { out[j] += xi * aRow[j] }
                }
            }
        }
        return result
    }

    /// The column vector `self * x` (length `rows`); `x` must have length `columns`.
    public func multiply(columnVector x: [Double]) -> [Double] {
        precondition(x.count == columns, "column vector length must equal the column count")
        var result = [Double](repeating: 0, count: rows)
        elements.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { xp in
                for i in 0..<rows {
                    let aRow = a.baseAddress! + i * columns
                    var s0 = 0.0, s1 = 0.0
                    var j = 0
                    while j + 1 < columns {
                        s0 += aRow[j] * xp[j]
                        s1 += aRow[j + 1] * xp[j + 1]
                        j += 2
                    }
                    if j < columns { s0 += aRow[j] * xp[j] }
                    result[i] = s0 + s1
                }
            }
        }
        return result
    }
}
