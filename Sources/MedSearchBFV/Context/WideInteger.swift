/// Minimal little-endian multi-word unsigned integers for client-side CRT composition (noise measurement).
/// Not used on hot paths and never on secret-dependent branches that a server could observe.
@usableFromInline
enum WideInteger {
    /// `a * w`.
    static func multiply(_ a: [UInt64], by w: UInt64) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: a.count + 1)
        var carry: UInt64 = 0
        for i in a.indices {
            let p = a[i].multipliedFullWidth(by: w)
            let (low, o) = p.low.addingReportingOverflow(carry)
            out[i] = low
            carry = p.high &+ (o ? 1 : 0)
        }
        out[a.count] = carry
        return trimmed(out)
    }

    /// `a += b`.
    static func add(_ a: inout [UInt64], _ b: [UInt64]) {
        if a.count < b.count { a += [UInt64](repeating: 0, count: b.count - a.count) }
        var carry: UInt64 = 0
        for i in a.indices {
            let bi = i < b.count ? b[i] : 0
            let (s1, o1) = a[i].addingReportingOverflow(bi)
            let (s2, o2) = s1.addingReportingOverflow(carry)
            a[i] = s2
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        if carry != 0 { a.append(carry) }
    }

    /// `a -= b` (requires `a >= b`).
    static func subtract(_ a: inout [UInt64], _ b: [UInt64]) {
        var borrow: UInt64 = 0
        for i in a.indices {
            let bi = i < b.count ? b[i] : 0
            let (d1, o1) = a[i].subtractingReportingOverflow(bi)
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            a[i] = d2
            borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        a = trimmed(a)
    }

    /// Compares `a` and `b`.
    static func compare(_ a: [UInt64], _ b: [UInt64]) -> Int {
        let x = trimmed(a), y = trimmed(b)
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        for i in stride(from: x.count - 1, through: 0, by: -1) where x[i] != y[i] {
            return x[i] < y[i] ? -1 : 1
        }
        return 0
    }

    /// The number of significant bits.
    static func bitCount(_ a: [UInt64]) -> Int {
        let x = trimmed(a)
        guard let top = x.last else { return 0 }
        return (x.count - 1) * 64 + (64 - top.leadingZeroBitCount)
    }

    /// `a >> 1`.
    static func halved(_ a: [UInt64]) -> [UInt64] {
        var out = a
        for i in out.indices {
            out[i] = (out[i] >> 1) | (i + 1 < out.count ? out[i + 1] << 63 : 0)
        }
        return trimmed(out)
    }

    /// Drops leading zero words.
    static func trimmed(_ a: [UInt64]) -> [UInt64] {
        var x = a
        while let last = x.last, last == 0 { x.removeLast() }
        return x
    }

    /// The product of `values`.
    static func product(_ values: [UInt64]) -> [UInt64] {
        var out: [UInt64] = [1]
        for v in values { out = multiply(out, by: v) }
        return out
    }
}
