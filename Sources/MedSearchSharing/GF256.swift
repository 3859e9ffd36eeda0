import CMedSearchShims

/// Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator 2, table driven.
///
/// Addition is XOR; multiplication uses log/exp tables; bulk "multiply regions by constants and add them" uses
/// split-nibble tables in C (``dot(_:sources:into:count:accumulate:portableOnly:)``).
public enum GF256 {
    /// exp[i] = 2^i for i in 0..<510 (doubled so log a + log b needs no reduction).
    static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 512)
        var x = 1
        for i in 0..<255 {
            table[i] = UInt8(x)
            table[i + 255] = UInt8(x)
            x <<= 1
            if x & 0x100 != 0 { x ^= 0x11D }
        }
        table[510] = table[0]
        table[511] = table[1]
        return table
    }()

    /// log[a] for a != 0 (log[0] is unused).
    static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for i in 0..<255 { table[Int(exp[i])] = i }
        return table
    }()

    /// The product `a * b`.
    @inline(__always)
    public static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[log[Int(a)] + log[Int(b)]]
    }

    /// The inverse of a non-zero element.
    ///
    /// - Precondition: `a != 0`.
    @inline(__always)
    public static func inverse(_ a: UInt8) -> UInt8 {
        precondition(a != 0, "zero has no inverse in GF(256)")
        return exp[255 - log[Int(a)]]
    }

    /// The quotient `a / b`.
    ///
    /// - Precondition: `b != 0`.
    @inline(__always)
    public static func divide(_ a: UInt8, _ b: UInt8) -> UInt8 {
        precondition(b != 0, "division by zero in GF(256)")
        if a == 0 { return 0 }
        return exp[log[Int(a)] + 255 - log[Int(b)]]
    }

    /// The split-nibble tables of `coefficient`: `c * i` for i in 0..<16, then `c * (i << 4)` for i in 0..<16.
    static func nibbleTables(_ coefficient: UInt8) -> [UInt8] {
        (0..<16).map { multiply(coefficient, UInt8($0)) } + (0..<16).map { multiply(coefficient, UInt8($0 << 4)) }
    }

    /// `destination[x] = (accumulate ? destination[x] : 0) XOR sum_j coefficients[j] * sources[j][x]` for x in
    /// `0..<count` (the inner loop of dispersal), vectorised in C (`medsearch_gf256_dot`: AVX2 or SSSE3 shuffles
    /// of split-nibble tables, else a byte loop).
    ///
    /// - Precondition: one source per coefficient, each readable for `count` bytes.
    static func dot(_ coefficients: [UInt8], sources: [UnsafePointer<UInt8>], into destination: UnsafeMutablePointer<UInt8>,
                    count: Int, accumulate: Bool = false, portableOnly: Bool = false) {
        precondition(coefficients.count == sources.count, "one source per coefficient")
        guard count > 0 else { return }
        var tables = [UInt8]()
        tables.reserveCapacity(32 * coefficients.count)
        for coefficient in coefficients { tables += nibbleTables(coefficient) }
        let optionalSources: [UnsafePointer<UInt8>?] = sources
        tables.withUnsafeBufferPointer { table in
            optionalSources.withUnsafeBufferPointer { pointers in
                if portableOnly {
                    medsearch_gf256_dot_portable(table.baseAddress, pointers.baseAddress, sources.count, destination,
                                                 count, accumulate ? 1 : 0)
                } else {
                    medsearch_gf256_dot(table.baseAddress, pointers.baseAddress, sources.count, destination, count,
                                        accumulate ? 1 : 0)
                }
            }
        }
    }

    /// The vector path `dot` takes on this CPU: 2 = AVX2, 1 = SSSE3, 0 = portable.
    static var vectorPath: Int { Int(medsearch_gf256_path()) }

    /// Inverts a square matrix (row-major, `size x size`), or returns nil when it is singular.
    static func invert(_ matrix: [UInt8], size: Int) -> [UInt8]? {
        var a = matrix
        var inverse = [UInt8](repeating: 0, count: size * size)
        for i in 0..<size { inverse[i * size + i] = 1 }
        for column in 0..<size {
            guard let pivot = (column..<size).first(where: { a[$0 * size + column] != 0 }) else { return nil }
            if pivot != column {
                for k in 0..<size {
                    a.swapAt(pivot * size + k, column * size + k)
                    inverse.swapAt(pivot * size + k, column * size + k)
                }
            }
            let scale = GF256.inverse(a[column * size + column])
            for k in 0..<size {
                a[column * size + k] = multiply(a[column * size + k], scale)
                inverse[column * size + k] = multiply(inverse[column * size + k], scale)
            }
            for row in 0..<size where row != column {
                let factor = a[row * size + column]
                if factor == 0 { continue }
                for k in 0..<size {
                    a[row * size + k] ^= multiply(factor, a[column * size + k])
                    inverse[row * size + k] ^= multiply(factor, inverse[column * size + k])
                }
            }
        }
        return inverse
    }
}
