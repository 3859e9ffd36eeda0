/// Packs words of a fixed bit width into bytes (little-endian bit order) and back.
public enum BitPacking {
    /// The number of bytes `count` values of `bits` bits take.
    public static func byteCount(count: Int, bits: Int) -> Int { (count * bits + 7) / 8 }

    /// Packs `values` (each `< 2^bits`, `1 <= bits <= 64`) and appends the bytes to `out`.
    public static func pack(_ values: UnsafeBufferPointer<UInt64>, bits: Int, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + byteCount(count: values.count, bits: bits))
        var acc: UInt64 = 0
        var filled = 0
        @inline(__always) func put(_ v: UInt64, _ n: Int) {
            // filled < 8 and n <= 56, so filled + n <= 63.
            acc |= v << UInt64(filled)
            filled += n
            while filled >= 8 {
                out.append(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                filled -= 8
            }
        }
        for v in values {
            if bits <= 56 {
                put(v, bits)
            } else {
                put(v & 0xFFFF_FFFF, 32)
                put(v >> 32, bits - 32)
            }
        }
        if filled > 0 { out.append(UInt8(truncatingIfNeeded: acc)) }
    }

    /// Unpacks `count` values of `bits` bits from `bytes` (which must hold exactly `byteCount` bytes).
    public static func unpack(_ bytes: ArraySlice<UInt8>, count: Int, bits: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        var acc: UInt64 = 0
        var filled = 0
        var index = bytes.startIndex
        @inline(__always) func take(_ n: Int) -> UInt64 {
            while filled <= 56 && index < bytes.endIndex {
                acc |= UInt64(bytes[index]) << UInt64(filled)
                filled += 8
                index += 1
            }
            let v = n == 64 ? acc : acc & ((1 << UInt64(n)) - 1)
            acc = n >= 64 ? 0 : acc >> UInt64(n)
            filled -= n
            return v
        }
        for i in 0..<count {
            if bits <= 56 {
                out[i] = take(bits)
            } else {
                let low = take(32)
                out[i] = low | (take(bits - 32) << 32)
            }
        }
        return out
    }
}
