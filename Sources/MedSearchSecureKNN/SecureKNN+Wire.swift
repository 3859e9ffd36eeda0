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
    /// Reads a matrix written by `writeMatrix`, refusing more than `maxElements` entries.
    mutating func readMatrix(maxElements: Int) throws(SecureKNNError) -> Matrix {
        do {
            let rows = Int(try read(UInt32.self)), columns = Int(try read(UInt32.self))
            guard rows <= maxWireDimension * 2 + 2, columns <= maxWireDimension * 2 + 2,
                  rows * columns <= maxElements else {
                throw SecureKNNError.malformedData("matrix of \(rows) x \(columns) exceeds the limit")
            }
            guard remaining >= rows * columns * 8 else {
                throw SecureKNNError.malformedData("matrix truncated")
            }
            var elements = [Double]()
            elements.reserveCapacity(rows * columns)
            for _ in 0..<(rows * columns) { elements.append(try readDouble()) }
            guard elements.allSatisfy(\.isFinite) else { throw SecureKNNError.nonFiniteValue(what: "matrix") }
            return try Matrix(rows: rows, columns: columns, elements: elements)
        } catch let error as SecureKNNError {
            throw error
        } catch {
            throw .malformedData(String(describing: error))
        }
    }

    /// Reads a double vector, refusing more than `maxCount` entries.
    mutating func readVector(maxCount: Int) throws(SecureKNNError) -> [Double] {
        do {
            let values = try readDoubleArray(maxCount: maxCount)
            guard values.allSatisfy(\.isFinite) else { throw SecureKNNError.nonFiniteValue(what: "vector") }
            return values
        } catch let error as SecureKNNError {
            throw error
        } catch {
            throw .malformedData(String(describing: error))
        }
    }
}

/// Runs a decoding body, mapping wire errors to ``SecureKNNError/malformedData(_:)``.
@discardableResult
func decoding<T>(_ body: () throws -> T) throws(SecureKNNError) -> T {
    do {
        return try body()
    } catch let error as SecureKNNError {
        throw error
    } catch {
        throw .malformedData(String(describing: error))
    }
}

extension SecureKNNOwnerKey {
    static let magic = FormatMagic("SKOK")

    /// The key's versioned binary form (secret: store it encrypted or with owner-only permissions).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.writeMatrix(m)
        writer.writeArray(r)
        writer.writeArray(s)
        writer.writeArray(permutation.map { UInt32($0) })
        writer.write(theta)
        writer.writeArray(x)
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    /// - Throws: ``SecureKNNError/malformedData(_:)`` and the checks of ``init(m:r:s:permutation:theta:x:)``.
    public init(serialized bytes: [UInt8]) throws(SecureKNNError) {
        var reader = ByteReader(bytes)
        let limit = (2 * maxWireDimension + 2) * (2 * maxWireDimension + 2)
        try decoding { try reader.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let m = try reader.readMatrix(maxElements: limit)
        let r = try reader.readVector(maxCount: maxWireDimension + 1)
        let s = try reader.readVector(maxCount: maxWireDimension + 1)
        let permutation = try decoding { try reader.readArray(of: UInt32.self, maxCount: maxWireDimension + 1).map { Int($0) } }
        let theta = try decoding { try reader.readDouble() }
        let x = try reader.readVector(maxCount: maxWireDimension + 1)
        try decoding { try reader.expectEnd() }
        try self.init(m: m, r: r, s: s, permutation: permutation, theta: theta, x: x)
    }
}

extension SecureKNNUserSecret {
    static let magic = FormatMagic("SKUS")

    /// The secret's versioned binary form (keep it on the user's machine).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.writeMatrix(w)
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SecureKNNError) {
        var reader = ByteReader(bytes)
        try decoding { try reader.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let w = try reader.readMatrix(maxElements: maxWireDimension * maxWireDimension)
        try decoding { try reader.expectEnd() }
        try self.init(w: w)
    }
}

extension SecureKNNRegistrationRequest {
    static let magic = FormatMagic("SKRQ")

    /// The request's versioned binary form.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.writeMatrix(w)
        return writer.bytes
    }

    /// Decodes ``serialized()``; the matrix must be square (invertibility is checked by the owner).
    public init(serialized bytes: [UInt8]) throws(SecureKNNError) {
        var reader = ByteReader(bytes)
        try decoding { try reader.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let w = try reader.readMatrix(maxElements: maxWireDimension * maxWireDimension)
        try decoding { try reader.expectEnd() }
        guard w.rows == w.columns, w.rows >= 1 else {
            throw .dimensionMismatch(what: "user matrix W (columns)", expected: w.rows, actual: w.columns)
        }
        self.init(w: w)
    }
}

extension SecureKNNUserGrant {
    static let magic = FormatMagic("SKGR")

    /// The grant's versioned binary form.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.writeMatrix(abar)
        writer.writeArray(u)
        return writer.bytes
    }

    /// Decodes ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SecureKNNError) {
        var reader = ByteReader(bytes)
        try decoding { try reader.readHeader(magic: Self.magic, supportedVersions: 1...1) }
        let abar = try reader.readMatrix(maxElements: (2 * maxWireDimension + 2) * maxWireDimension)
        let u = try reader.readVector(maxCount: 2 * maxWireDimension + 2)
        try decoding { try reader.expectEnd() }
        try self.init(abar: abar, u: u)
    }
}
