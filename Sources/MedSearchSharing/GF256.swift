/// Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator 2, table driven.
///
/// Addition is XOR; multiplication uses log/exp tables, and bulk "multiply a region by a constant and add it"
/// uses a 256-byte row of the full multiplication table.
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

    /// The full 64 KiB multiplication table, row-major: mul[a * 256 + b] = a * b.
    static let mulTable: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 65536)
        for a in 1..<256 {
            for b in 1..<256 {
                table[a * 256 + b] = exp[log[a] + log[b]]
            }
        }
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

    /// `destination[i] ^= coefficient * source[i]` for every i (the inner loop of dispersal).
    static func multiplyAdd(_ coefficient: UInt8, source: UnsafeBufferPointer<UInt8>,
                            into destination: UnsafeMutableBufferPointer<UInt8>) {
        precondition(source.count == destination.count, "regions must have equal length")
        if coefficient == 0 { return }
        let count = source.count
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return }
        if coefficient == 1 {
            var i = 0
            let words = count / 8
            let s64 = UnsafeRawPointer(src), d64 = UnsafeMutableRawPointer(dst)
            while i < words {
                let value = s64.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                    ^ d64.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                d64.storeBytes(of: value, toByteOffset: i * 8, as: UInt64.self)
                i += 1
            }
            for j in (words * 8)..<count { dst[j] ^= src[j] }
            return
        }
        mulTable.withUnsafeBufferPointer { table in
            let row = table.baseAddress! + Int(coefficient) * 256
            var i = 0
            // Eight products per iteration, assembled into one 64-bit XOR.
            let s64 = UnsafeRawPointer(src), d64 = UnsafeMutableRawPointer(dst)
            while i + 8 <= count {
                let word = s64.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                var product = UInt64(row[Int(word & 0xFF)])
                product |= UInt64(row[Int((word >> 8) & 0xFF)]) << 8
                product |= UInt64(row[Int((word >> 16) & 0xFF)]) << 16
                product |= UInt64(row[Int((word >> 24) & 0xFF)]) << 24
                product |= UInt64(row[Int((word >> 32) & 0xFF)]) << 32
                product |= UInt64(row[Int((word >> 40) & 0xFF)]) << 40
                product |= UInt64(row[Int((word >> 48) & 0xFF)]) << 48
                product |= UInt64(row[Int(word >> 56)]) << 56
                let old = d64.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                d64.storeBytes(of: old ^ product, toByteOffset: i, as: UInt64.self)
                i += 8
            }
            while i < count {
                dst[i] ^= row[Int(src[i])]
                i += 1
            }
        }
    }

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
