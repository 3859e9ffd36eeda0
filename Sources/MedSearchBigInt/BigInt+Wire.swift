import MedSearchCore

extension ByteWriter {
    /// Writes a signed big integer: a sign byte (0 = non-negative, 1 = negative) and its big-endian magnitude
    /// as a length-prefixed byte string.
    public mutating func write(_ value: BigInt) {
        write(UInt8(value.isNegative ? 1 : 0))
        writeBytes(value.magnitudeBytes())
    }

    /// Writes a non-negative big integer as exactly `width` big-endian bytes without a length prefix.
    ///
    /// - Precondition: the value is non-negative and fits in `width` bytes.
    public mutating func write(_ value: BigInt, fixedWidth width: Int) {
        precondition(!value.isNegative, "fixed-width big integers are non-negative")
        guard let bytes = value.magnitudeBytes(count: width) else {
            preconditionFailure("big integer does not fit in \(width) bytes")
        }
        writeRaw(bytes)
    }
}

extension ByteReader {
    /// Reads a big integer written by ``ByteWriter/write(_:)-(BigInt)``, refusing magnitudes above `maxBytes`.
    public mutating func readBigInt(maxBytes: Int) throws(WireError) -> BigInt {
        let start = offset
        let negative = try readBool()
        let magnitude = try readBytes(maxLength: maxBytes)
        if negative && magnitude.allSatisfy({ $0 == 0 }) {
            throw .invalidValue(offset: start, reason: "negative zero")
        }
        let value = BigInt(magnitudeBytes: magnitude)
        return negative ? -value : value
    }

    /// Reads a non-negative big integer stored as exactly `width` big-endian bytes.
    public mutating func readBigInt(fixedWidth width: Int) throws(WireError) -> BigInt {
        BigInt(magnitudeBytes: try readRaw(count: width))
    }
}
