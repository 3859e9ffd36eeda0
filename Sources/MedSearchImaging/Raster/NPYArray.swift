/// One NumPy array read from a `.npy` file (format versions 1, 2 and 3).
///
/// The raw bytes are kept as stored; the accessors convert them to Swift numbers in C (row-major) order,
/// whatever the file's byte order or `fortran_order`.
public struct NPYArray: Sendable, Equatable {
    /// The element type of an array (NumPy `descr`).
    public struct DType: Sendable, Equatable, CustomStringConvertible {
        /// NumPy kind: `b` (bool), `i` (signed), `u` (unsigned) or `f` (float).
        public var kind: Character
        /// Bytes per element (1, 2, 4 or 8).
        public var size: Int
        /// Whether multi-byte elements are little-endian.
        public var littleEndian: Bool

        /// Creates a dtype.
        public init(kind: Character, size: Int, littleEndian: Bool) {
            self.kind = kind
            self.size = size
            self.littleEndian = littleEndian
        }

        public var description: String { "\(littleEndian ? "<" : ">")\(kind)\(size)" }
    }

    /// The dimensions, outermost first.
    public var shape: [Int]
    /// The element type.
    public var dtype: DType
    /// Whether the stored data is in Fortran (column-major) order.
    public var fortranOrder: Bool
    /// The stored element bytes.
    public var data: [UInt8]

    /// The largest array accepted, in bytes.
    public static let maximumByteCount = 1 << 31

    /// Number of elements (product of the shape; 1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    /// Parses a `.npy` file.
    ///
    /// - Throws: ``RasterError`` for a bad magic string, header, dtype or a data length that does not match
    ///   the shape.
    public init(npy bytes: [UInt8]) throws(RasterError) {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10 else { throw .truncated(format: "NPY", offset: 0, needed: 10 - bytes.count) }
        guard bytes.starts(with: magic) else { throw .malformed(format: "NPY", reason: "missing \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .truncated(format: "NPY", offset: 8, needed: 12 - bytes.count) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw .unsupported(format: "NPY", feature: "format version \(major)")
        }
        guard bytes.count - headerStart >= headerLength else {
            throw .truncated(format: "NPY", offset: headerStart, needed: headerLength - (bytes.count - headerStart))
        }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        let parsed = try NPYHeaderParser.parse(header)
        dtype = parsed.dtype
        shape = parsed.shape
        fortranOrder = parsed.fortranOrder
        var total = dtype.size
        for dimension in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= Self.maximumByteCount else {
                throw .tooLarge(format: "NPY", reason: "shape \(shape) of \(dtype)")
            }
            total = product
        }
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart >= total else {
            throw .truncated(format: "NPY", offset: dataStart, needed: total - (bytes.count - dataStart))
        }
        data = Array(bytes[dataStart..<dataStart + total])
    }

    /// Creates an array from parts (for tests and writers).
    public init(shape: [Int], dtype: DType, fortranOrder: Bool = false, data: [UInt8]) {
        precondition(shape.reduce(1, *) * dtype.size == data.count, "data size does not match shape")
        self.shape = shape
        self.dtype = dtype
        self.fortranOrder = fortranOrder
        self.data = data
    }

    /// The elements as `Double`, in C order.
    public func doubles() -> [Double] {
        let n = count
        var result = [Double](repeating: 0, count: n)
        for index in 0..<n {
            result[index] = element(atStorage: storageIndex(ofCIndex: index))
        }
        return result
    }

    /// The elements as `Float`, in C order.
    public func floats() -> [Float] { doubles().map(Float.init) }

    /// The elements as `Int32`, in C order.
    ///
    /// - Throws: ``RasterError/unsupported(format:feature:)`` for float arrays or values outside `Int32`.
    public func int32s() throws(RasterError) -> [Int32] {
        guard dtype.kind != "f" else { throw .unsupported(format: "NPY", feature: "float data where integers are needed") }
        let n = count
        var result = [Int32](repeating: 0, count: n)
        if dtype.size == 1 && !fortranOrder {
            let signed = dtype.kind == "i"
            for i in 0..<n { result[i] = signed ? Int32(Int8(bitPattern: data[i])) : Int32(data[i]) }
            return result
        }
        for index in 0..<n {
            let value = element(atStorage: storageIndex(ofCIndex: index))
            guard let exact = Int32(exactly: value) else {
                throw .unsupported(format: "NPY", feature: "value outside the 32-bit range")
            }
            result[index] = exact
        }
        return result
    }

    private func storageIndex(ofCIndex index: Int) -> Int {
        guard fortranOrder, shape.count > 1 else { return index }
        var remainder = index
        var coordinates = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            coordinates[axis] = remainder % shape[axis]
            remainder /= shape[axis]
        }
        var storage = 0
        var step = 1
        for axis in 0..<shape.count {
            storage += coordinates[axis] * step
            step *= shape[axis]
        }
        return storage
    }

    private func element(atStorage index: Int) -> Double {
        let size = dtype.size
        var bits: UInt64 = 0
        for byte in 0..<size {
            let b = UInt64(data[index * size + (dtype.littleEndian ? byte : size - 1 - byte)])
            bits |= b << (8 * byte)
        }
        switch (dtype.kind, size) {
        case ("f", 4): return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case ("f", 8): return Double(bitPattern: bits)
        case ("f", 2): return Double(Self.halfToFloat(UInt16(truncatingIfNeeded: bits)))
        case ("i", _):
            let shift = UInt64(64 - 8 * size)
            return Double(Int64(bitPattern: bits << shift) >> Int64(shift))
        default: return Double(bits)
        }
    }

    private static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = Float(h & 0x3FF)
        switch exponent {
        case 0: return sign * mantissa / 1024 * Float(sign: .plus, exponent: -14, significand: 1)
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}

/// Parses the Python-dict header of a `.npy` file.
enum NPYHeaderParser {
    struct Header {
        var dtype: NPYArray.DType
        var fortranOrder: Bool
        var shape: [Int]
    }

    static func parse(_ text: String) throws(RasterError) -> Header {
        guard let descr = value(of: "descr", in: text), let order = value(of: "fortran_order", in: text),
              let shapeText = value(of: "shape", in: text) else {
            throw .malformed(format: "NPY", reason: "header lacks descr, fortran_order or shape")
        }
        let quoted = descr.trimmingQuotes()
        var characters = Array(quoted)
        guard characters.count >= 2 else { throw .malformed(format: "NPY", reason: "dtype \(quoted)") }
        var littleEndian = true
        if "<>|=".contains(characters[0]) {
            littleEndian = characters[0] != ">"
            characters.removeFirst()
        }
        let kind = characters[0]
        guard let size = Int(String(characters.dropFirst())), [1, 2, 4, 8].contains(size),
              "biuf".contains(kind), !(kind == "f" && size == 1), !(kind == "b" && size != 1) else {
            throw .unsupported(format: "NPY", feature: "dtype \(quoted)")
        }
        let fortran: Bool
        switch order {
        case "True": fortran = true
        case "False": fortran = false
        default: throw .malformed(format: "NPY", reason: "fortran_order \(order)")
        }
        guard shapeText.hasPrefix("("), shapeText.hasSuffix(")") else {
            throw .malformed(format: "NPY", reason: "shape \(shapeText)")
        }
        var shape: [Int] = []
        for part in shapeText.dropFirst().dropLast().split(separator: ",") {
            let trimmed = part.filter { !$0.isWhitespace }
            if trimmed.isEmpty { continue }
            guard let dimension = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed),
                  dimension >= 0 else {
                throw .malformed(format: "NPY", reason: "shape \(shapeText)")
            }
            shape.append(dimension)
        }
        return Header(dtype: .init(kind: kind, size: size, littleEndian: littleEndian || size == 1),
                      fortranOrder: fortran, shape: shape)
    }

    /// The raw text of the value after `'key':`, up to the next top-level comma or closing brace.
    private static func value(of key: String, in text: String) -> String? {
        guard let keyRange = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\"") else { return nil }
        var rest = text[keyRange.upperBound...].drop { $0.isWhitespace }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0.isWhitespace }
        var depth = 0
        var end = rest.startIndex
        while end < rest.endIndex {
            let c = rest[end]
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if depth == 0 && (c == "," || c == "}") { break }
            end = rest.index(after: end)
        }
        return String(rest[rest.startIndex..<end]).trimmingCharacters()
    }
}

private extension String {
    func trimmingQuotes() -> String {
        var s = Substring(self)
        while let f = s.first, f == "'" || f == "\"" { s = s.dropFirst() }
        while let l = s.last, l == "'" || l == "\"" { s = s.dropLast() }
        return String(s)
    }

    func trimmingCharacters() -> String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
