/// Reads what a ``ByteWriter`` wrote, checking every length against the bytes that remain.
///
/// A reader never traps on malformed input: every read throws ``WireError`` naming the offset and the
/// expected and available lengths, and ``readArray(of:maxCount:)`` bounds allocations by the caller's limit.
public struct ByteReader: Sendable {
    /// The bytes being read.
    public let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var offset: Int

    /// Creates a reader over `bytes`, starting at `offset`.
    public init<C: Collection>(_ bytes: C, offset: Int = 0) where C.Element == UInt8 {
        self.bytes = Array(bytes)
        self.offset = offset
    }

    /// Creates a reader over `bytes` (sharing its storage: nothing is copied), starting at `offset`.
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// The number of bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= bytes.count }

    /// Reads and checks a format tag and version; returns the version read.
    ///
    /// - Throws: ``WireError/wrongMagic(expected:found:)`` or ``WireError/unsupportedVersion(format:found:supported:)``.
    @discardableResult
    public mutating func readHeader(magic: FormatMagic, supportedVersions: ClosedRange<UInt16>) throws(WireError) -> UInt16 {
        let tag = try readRaw(count: 4)
        guard tag == magic.bytes else {
            throw .wrongMagic(expected: magic.description, found: String(decoding: tag, as: UTF8.self))
        }
        let version: UInt16 = try read()
        guard supportedVersions.contains(version) else {
            throw .unsupportedVersion(format: magic.description, found: version,
                                      supported: Int(supportedVersions.upperBound))
        }
        return version
    }

    /// Reads a little-endian integer.
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated(offset: offset, needed: size, available: remaining) }
        var value = T.zero
        for index in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + index]) << (8 * index) }
        offset += size
        return value
    }

    /// Reads a `Double` bit pattern.
    public mutating func readDouble() throws(WireError) -> Double { Double(bitPattern: try read(UInt64.self)) }

    /// Reads a `Float` bit pattern.
    public mutating func readFloat() throws(WireError) -> Float { Float(bitPattern: try read(UInt32.self)) }

    /// Reads a Boolean byte (0 or 1).
    public mutating func readBool() throws(WireError) -> Bool {
        let start = offset
        switch try read(UInt8.self) {
        case 0: return false
        case 1: return true
        case let other: throw .invalidValue(offset: start, reason: "boolean byte \(other)")
        }
    }

    /// Reads a one-byte tag of `T` (an enumeration whose raw values are bytes), refusing a byte `T` does not
    /// define as ``WireError/invalidValue(offset:reason:)`` with `what` as the reason.
    public mutating func readTag<T: RawRepresentable>(_: T.Type, _ what: String) throws(WireError) -> T
    where T.RawValue == UInt8 {
        let start = offset
        guard let tag = T(rawValue: try read(UInt8.self)) else { throw .invalidValue(offset: start, reason: what) }
        return tag
    }

    /// Reads `count` raw bytes.
    public mutating func readRaw(count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0, remaining >= count else {
            throw .truncated(offset: offset, needed: count, available: remaining)
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Steps over `count` bytes (a field the caller locates by offset instead of copying).
    public mutating func skip(count: Int) throws(WireError) {
        guard count >= 0, remaining >= count else {
            throw .truncated(offset: offset, needed: count, available: remaining)
        }
        offset += count
    }

    /// Reads every remaining byte as a slice of ``bytes`` (not copied), for a last field that runs to the end.
    public mutating func readRemaining() -> ArraySlice<UInt8> {
        defer { offset = bytes.count }
        return bytes[min(offset, bytes.count)...]
    }

    /// Reads a byte string written by ``ByteWriter/writeBytes(_:)``, refusing lengths above `maxLength`.
    public mutating func readBytes(maxLength: Int = Int(UInt32.max)) throws(WireError) -> [UInt8] {
        let start = offset
        let length = Int(try read(UInt32.self))
        guard length <= maxLength else { throw .lengthTooLarge(offset: start, length: length, limit: maxLength) }
        return try readRaw(count: length)
    }

    /// Reads a byte string that must hold exactly `count` bytes: a longer length is refused before anything is read
    /// (as by ``readBytes(maxLength:)``), a shorter one as ``WireError/invalidValue(offset:reason:)`` at the length's
    /// offset with `what` as the reason.
    public mutating func readBytes(exactly count: Int, _ what: String) throws(WireError) -> [UInt8] {
        let start = offset
        let bytes = try readBytes(maxLength: count)
        guard bytes.count == count else { throw .invalidValue(offset: start, reason: what) }
        return bytes
    }

    /// Reads a UTF-8 string written by ``ByteWriter/writeString(_:)``.
    public mutating func readString(maxLength: Int = 1 << 20) throws(WireError) -> String {
        let start = offset
        let raw = try readBytes(maxLength: maxLength)
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw .invalidValue(offset: start, reason: "string is not UTF-8")
        }
        return string
    }

    /// Reads a `UInt32` count of items that take at least `minimumItemBytes` each: a count above `limit` is
    /// ``WireError/lengthTooLarge(offset:length:limit:)``, one the remaining bytes cannot hold
    /// ``WireError/truncated(offset:needed:available:)``, so nothing is reserved for a count the data does not back.
    public mutating func readCount(minimumItemBytes: Int = 0, limit: Int) throws(WireError) -> Int {
        let start = offset
        let count = Int(try read(UInt32.self))
        guard count <= limit else { throw .lengthTooLarge(offset: start, length: count, limit: limit) }
        guard count * minimumItemBytes <= remaining else {
            throw .truncated(offset: offset, needed: count * minimumItemBytes, available: remaining)
        }
        return count
    }

    /// Reads a list written by ``ByteWriter/writeList(_:_:)``: a count (``readCount(minimumItemBytes:limit:)``,
    /// each item taking at least `minimumItemBytes`, at least 1), then each item with `readItem`.
    public mutating func readList<T>(minimumItemBytes: Int, limit: Int,
                                     _ readItem: (inout ByteReader) throws(WireError) -> T) throws(WireError) -> [T] {
        precondition(minimumItemBytes >= 1, "a list's items take at least one byte each")
        let count = try readCount(minimumItemBytes: minimumItemBytes, limit: limit)
        var items = [T]()
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try readItem(&self)) }
        return items
    }

    /// Reads an integer array written by ``ByteWriter/writeArray(_:)``, refusing counts above `maxCount`.
    public mutating func readArray<T: FixedWidthInteger>(of _: T.Type, maxCount: Int) throws(WireError) -> [T] {
        let start = offset
        let count = Int(try read(UInt32.self))
        guard count <= maxCount else { throw .lengthTooLarge(offset: start, length: count, limit: maxCount) }
        let size = MemoryLayout<T>.size
        guard remaining >= count * size else {
            throw .truncated(offset: offset, needed: count * size, available: remaining)
        }
        var values = [T]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read(T.self)) }
        return values
    }

    /// Reads a float array written by ``ByteWriter/writeArray(_:)-([Float])``.
    public mutating func readFloatArray(maxCount: Int) throws(WireError) -> [Float] {
        try readArray(of: UInt32.self, maxCount: maxCount).map(Float.init(bitPattern:))
    }

    /// Reads a double array written by ``ByteWriter/writeArray(_:)-([Double])``.
    public mutating func readDoubleArray(maxCount: Int) throws(WireError) -> [Double] {
        try readArray(of: UInt64.self, maxCount: maxCount).map(Double.init(bitPattern:))
    }

    /// Throws unless every byte has been consumed (trailing garbage is an error).
    public func expectEnd() throws(WireError) {
        guard isAtEnd else { throw .trailingBytes(offset: offset, count: remaining) }
    }
}

/// Why a binary message or file could not be decoded. Never carries the payload itself.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(offset: Int, needed: Int, available: Int)
    case wrongMagic(expected: String, found: String)
    case unsupportedVersion(format: String, found: UInt16, supported: Int)
    case lengthTooLarge(offset: Int, length: Int, limit: Int)
    case invalidValue(offset: Int, reason: String)
    case trailingBytes(offset: Int, count: Int)

    public var description: String {
        switch self {
        case let .truncated(offset, needed, available):
            "truncated data at offset \(offset): needed \(needed) bytes, \(available) available"
        case let .wrongMagic(expected, found):
            "not a \(expected) object (found tag \(found.debugDescription))"
        case let .unsupportedVersion(format, found, supported):
            "\(format) version \(found) is not supported (this build reads up to \(supported))"
        case let .lengthTooLarge(offset, length, limit):
            "length \(length) at offset \(offset) exceeds the limit \(limit)"
        case let .invalidValue(offset, reason):
            "invalid value at offset \(offset): \(reason)"
        case let .trailingBytes(offset, count):
            "\(count) unexpected trailing bytes at offset \(offset)"
        }
    }
}
