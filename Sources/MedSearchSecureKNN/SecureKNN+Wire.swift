import MedSearchCore

/// Largest feature dimension accepted when decoding (bounds allocations).
let maxWireDimension = 8192

extension ByteWriter {
    /// Writes a matrix: rows, columns (UInt32 each), then the entries as doubles.
    mutating func writeMatrix(_ matrix: Matrix) {
        write(UInt32(matrix.rows))
        write(UInt32(matrix.columns))
        for value in matrix.elements { write(value) }
    }
}

extension ByteReader {
    /// Reads a matrix written by `writeMatrix`, refusing more than `maxElements` entries or non-finite values.
    mutating func readMatrix(maxElements: Int) throws(WireError) -> Matrix {
        let start = offset
        let rows = Int(try read(UInt32.self)), columns = Int(try read(UInt32.self))
        // Two UInt32 counts can overflow Int when multiplied: the refusal reports such a product as Int.max.
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows <= maxWireDimension * 2 + 2, columns <= maxWireDimension * 2 + 2, !overflow, count <= maxElements else {
            throw .lengthTooLarge(offset: start, length: overflow ? Int.max : count, limit: maxElements)
        }
        guard remaining >= rows * columns * 8 else {
            throw .truncated(offset: offset, needed: rows * columns * 8, available: remaining)
        }
        var elements = [Double]()
        elements.reserveCapacity(rows * columns)
        for _ in 0..<(rows * columns) { elements.append(try readDouble()) }
        guard elements.allSatisfy(\.isFinite) else { throw .invalidValue(offset: start, reason: "matrix value is not finite") }
        return try WireError.validating(at: start) { try Matrix(rows: rows, columns: columns, elements: elements) }
    }

    /// Reads a double vector, refusing more than `maxCount` entries or non-finite values.
    mutating func readVector(maxCount: Int) throws(WireError) -> [Double] {
        let start = offset
        let values = try readDoubleArray(maxCount: maxCount)
        guard values.allSatisfy(\.isFinite) else { throw .invalidValue(offset: start, reason: "vector value is not finite") }
        return values
    }
}

/// The owner's key: `"SKOK"` v1, `M`, `r`, `s`, the permutation, `theta`, `x` (secret: store it encrypted or with
/// owner-only permissions).
extension SecureKNNOwnerKey: WireMessage {
    public static let magic = FormatMagic("SKOK")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.writeMatrix(m)
        writer.writeArray(r)
        writer.writeArray(s)
        writer.writeArray(permutation.map { UInt32($0) })
        writer.write(theta)
        writer.writeArray(x)
    }

    /// Reads a key, applying the checks of ``init(m:r:s:permutation:theta:x:)``.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let m = try reader.readMatrix(maxElements: (2 * maxWireDimension + 2) * (2 * maxWireDimension + 2))
        let r = try reader.readVector(maxCount: maxWireDimension + 1)
        let s = try reader.readVector(maxCount: maxWireDimension + 1)
        let permutation = try reader.readArray(of: UInt32.self, maxCount: maxWireDimension + 1).map { Int($0) }
        let theta = try reader.readDouble()
        let x = try reader.readVector(maxCount: maxWireDimension + 1)
        self = try WireError.validating(at: start) {
            try SecureKNNOwnerKey(m: m, r: r, s: s, permutation: permutation, theta: theta, x: x)
        }
    }
}

/// A user's secret `W`: `"SKUS"` v1 (keep it on the user's machine).
extension SecureKNNUserSecret: WireMessage {
    public static let magic = FormatMagic("SKUS")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) { writer.writeMatrix(w) }

    /// Reads a secret; `W` must be square and invertible.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let w = try reader.readMatrix(maxElements: maxWireDimension * maxWireDimension)
        self = try WireError.validating(at: start) { try SecureKNNUserSecret(w: w) }
    }
}

/// A registration request: `"SKRQ"` v1, the user's `W`.
extension SecureKNNRegistrationRequest: WireMessage {
    public static let magic = FormatMagic("SKRQ")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) { writer.writeMatrix(w) }

    /// Reads a request; the matrix must be square (invertibility is checked by the owner).
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let w = try reader.readMatrix(maxElements: maxWireDimension * maxWireDimension)
        guard w.rows == w.columns, w.rows >= 1 else {
            throw .invalidValue(offset: start, reason: "user matrix W is \(w.rows) x \(w.columns), not square")
        }
        self.init(w: w)
    }
}

/// A user's grant: `"SKGR"` v1, `Abar` and `U`.
extension SecureKNNUserGrant: WireMessage {
    public static let magic = FormatMagic("SKGR")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.writeMatrix(abar)
        writer.writeArray(u)
    }

    /// Reads a grant, checking its shapes.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let abar = try reader.readMatrix(maxElements: (2 * maxWireDimension + 2) * maxWireDimension)
        let u = try reader.readVector(maxCount: 2 * maxWireDimension + 2)
        self = try WireError.validating(at: start) { try SecureKNNUserGrant(abar: abar, u: u) }
    }
}
