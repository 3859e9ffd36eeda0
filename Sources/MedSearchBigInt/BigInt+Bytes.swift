import CGMP

extension BigInt {
    /// Creates a non-negative value from big-endian magnitude bytes (an empty array is zero).
    public init<C: Collection>(magnitudeBytes bytes: C) where C.Element == UInt8 {
        self.init()
        guard !bytes.isEmpty else { return }
        let array = Array(bytes)
        array.withUnsafeBytes { raw in
            __gmpz_import(pointer, raw.count, 1, 1, 1, 0, raw.baseAddress)
        }
    }

    /// The magnitude as minimal big-endian bytes (empty for zero); the sign is dropped.
    public func magnitudeBytes() -> [UInt8] {
        let count = byteCount
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        var written = 0
        out.withUnsafeMutableBytes { raw in
            _ = __gmpz_export(raw.baseAddress, &written, 1, 1, 1, 0, pointer)
        }
        precondition(written == count, "GMP exported an unexpected length")
        return out
    }

    /// The magnitude as exactly `count` big-endian bytes (left-padded with zeros), or nil when it needs more.
    public func magnitudeBytes(count: Int) -> [UInt8]? {
        let minimal = magnitudeBytes()
        guard minimal.count <= count else { return nil }
        return [UInt8](repeating: 0, count: count - minimal.count) + minimal
    }

    /// Parses a string in `radix` (2...62; an optional leading `-`; no whitespace), or throws.
    ///
    /// - Throws: ``BigIntError/invalidString`` for an empty or malformed string.
    public init(_ text: String, radix: Int) throws(BigIntError) {
        guard (2...62).contains(radix) else { throw .invalidRadix(radix) }
        let utf8 = Array(text.utf8)
        var digits = utf8[...]
        if digits.first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        // GMP accepts whitespace inside numbers; we do not.
        guard !digits.isEmpty, !digits.contains(where: { $0 == 32 || (9...13).contains($0) }) else {
            throw .invalidString
        }
        self.init()
        let status = text.withCString { __gmpz_set_str(pointer, $0, Int32(radix)) }
        guard status == 0 else { throw .invalidString }
    }

    /// The value written in `radix` (2...36 lowercase), with a leading `-` when negative.
    public func toString(radix: Int = 10) -> String {
        precondition((2...36).contains(radix), "radix must be in 2...36")
        let size = __gmpz_sizeinbase(pointer, Int32(radix)) + 2
        var buffer = [CChar](repeating: 0, count: size)
        buffer.withUnsafeMutableBufferPointer { _ = __gmpz_get_str($0.baseAddress, Int32(radix), pointer) }
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Lowercase hexadecimal (with `-` when negative).
    public var hexString: String { toString(radix: 16) }
}

extension BigInt: CustomStringConvertible, LosslessStringConvertible {
    /// The decimal representation.
    public var description: String { toString(radix: 10) }

    /// Parses a decimal string; nil when malformed.
    public init?(_ description: String) {
        guard let value = try? BigInt(description, radix: 10) else { return nil }
        self = value
    }
}
