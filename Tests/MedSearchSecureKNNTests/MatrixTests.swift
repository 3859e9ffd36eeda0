import Testing
import MedSearchCore
import _MedSearchTestSupport
@testable import MedSearchSecureKNN

@Suite struct MatrixTests {
    @Test func inverseTimesMatrixIsIdentity() throws {
        var generator = seededGenerator(11)
        for n in [1, 2, 3, 7, 20, 66] {
            let m = Matrix.gaussian(rows: n, columns: n, using: &generator)
            let product = m.multiplied(by: try m.inverted())
            let identity = Matrix.identity(n)
            #expect(zip(product.elements, identity.elements).allSatisfy { abs($0 - $1) < 1e-8 }, "n = \(n)")
        }
    }

    @Test func pivotingHandlesZeroDiagonal() throws {
        let m = Matrix(rows: [[0, 1], [1, 0]])
        #expect(try m.inverted() == m)
    }

    @Test func singularAndBadShapesThrow() {
        #expect(throws: SecureKNNError.singularMatrix(what: "matrix")) {
            try Matrix(rows: [[1, 2], [2, 4]]).inverted()
        }
        #expect(throws: SecureKNNError.singularMatrix(what: "matrix")) { try Matrix(rows: 3, columns: 3).inverted() }
        #expect(throws: SecureKNNError.self) { try Matrix(rows: [[1, 2, 3], [4, 5, 6]]).inverted() }
        #expect(throws: SecureKNNError.nonFiniteValue(what: "matrix to invert")) {
            try Matrix(rows: [[.nan, 1], [1, 1]]).inverted()
        }
    }

    @Test func productsMatchNaiveLoops() {
        var generator = seededGenerator(12)
        let a = Matrix.gaussian(rows: 5, columns: 7, using: &generator)
        let b = Matrix.gaussian(rows: 7, columns: 3, using: &generator)
        let c = a.multiplied(by: b)
        for i in 0..<5 {
            for j in 0..<3 {
                var sum = 0.0
                for k in 0..<7 { sum += a[i, k] * b[k, j] }
                #expect(abs(c[i, j] - sum) < 1e-12)
            }
        }
        let x = (0..<5).map { Double($0) - 2 }
        let y = (0..<7).map { Double($0) * 0.5 }
        #expect(zip(a.multiply(rowVector: x), a.transposed.multiply(columnVector: x)).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(a.multiply(columnVector: y), a.transposed.multiply(rowVector: y)).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func randomOrthogonalAndConditioning() throws {
        var generator = seededGenerator(13)
        let q = Matrix.randomOrthogonal(30, using: &generator)
        let qtq = q.transposed.multiplied(by: q)
        #expect(zip(qtq.elements, Matrix.identity(30).elements).allSatisfy { abs($0 - $1) < 1e-10 })
        // Q1 diag(s) Q2 with s in [1, 4]: |Mx| / |x| stays within [1, 4] for any x.
        let m = Matrix.randomWellConditioned(30, maxCondition: 4, using: &generator)
        for _ in 0..<20 {
            let x = (0..<30).map { _ in Matrix.standardNormal(using: &generator) }
            let y = m.multiply(columnVector: x)
            let ratio = (y.reduce(0) { $0 + $1 * $1 } / x.reduce(0) { $0 + $1 * $1 }).squareRoot()
            #expect(ratio >= 1 - 1e-9 && ratio <= 4 + 1e-9)
        }
    }
}
