/// Appends fixed-width little-endian integers, length-prefixed byte strings and floats to a growing buffer.
///
/// Every MedSearch wire format and file format is built with a `ByteWriter` and read back with a
/// ``ByteReader``; formats start with ``writeHeader(magic:version:)`` so a decoder can reject foreign or
/// newer data with a typed error.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer, optionally reserving capacity.
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes a 4-byte format tag and a 2-byte version.
    public mutating func writeHeader(magic: FormatMagic, version: UInt16) {
        bytes.append(contentsOf: magic.bytes)
        write(version)
    }

    /// Writes an integer in little-endian byte order.
    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes a `Double` as its IEEE-754 bit pattern.
    public mutating func write(_ value: Double) { write(value.bitPattern) }

    /// Writes a `Float` as its IEEE-754 bit pattern.
    public mutating func write(_ value: Float) { write(value.bitPattern) }

    /// Writes a Boolean as one byte.
    public mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    /// Writes raw bytes without a length prefix.
    public mutating func writeRaw<C: Collection>(_ raw: C) where C.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    /// Writes a byte string preceded by its length as a `UInt32`.
    public mutating func writeBytes<C: Collection>(_ raw: C) where C.Element == UInt8 {
        precondition(raw.count <= Int(UInt32.max), "byte string too long for the wire format")
        write(UInt32(raw.count))
        bytes.append(contentsOf: raw)
    }

    /// Writes a UTF-8 string preceded by its length as a `UInt32`.
    public mutating func writeString(_ string: String) { writeBytes(Array(string.utf8)) }

    /// Writes a list: its count as a `UInt32`, then each item with `writeItem` (read by
    /// ``ByteReader/readList(minimumItemBytes:limit:_:)``).
    public mutating func writeList<T>(_ items: [T], _ writeItem: (inout ByteWriter, T) -> Void) {
        write(UInt32(items.count))
        for item in items { writeItem(&self, item) }
    }

    /// Writes an array of integers preceded by its count as a `UInt32`.
    public mutating func writeArray<T: FixedWidthInteger>(_ values: [T]) {
        write(UInt32(values.count))
        bytes.reserveCapacity(bytes.count + values.count * MemoryLayout<T>.size)
        for value in values { write(value) }
    }

    /// Writes an array of floats preceded by its count as a `UInt32`.
    public mutating func writeArray(_ values: [Float]) { writeArray(values.map(\.bitPattern)) }

    /// Writes an array of doubles preceded by its count as a `UInt32`.
    public mutating func writeArray(_ values: [Double]) { writeArray(values.map(\.bitPattern)) }
}

/// A 4-byte ASCII tag that opens a MedSearch binary format (for example `"PAIL"`).
public struct FormatMagic: Sendable, Equatable, CustomStringConvertible {
    /// The four tag bytes.
    public let bytes: [UInt8]

    /// Creates a tag from exactly four ASCII characters.
    public init(_ text: StaticString) {
        let scalars = text.withUTF8Buffer { Array($0) }
        precondition(scalars.count == 4, "a format tag has four ASCII characters")
        bytes = scalars
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
