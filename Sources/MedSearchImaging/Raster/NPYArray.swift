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

    /// Number of elements (product of the shape; 1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    /// Parses a `.npy` file held in memory.
    ///
    /// The shape is checked against `limits` before the data is copied: the elements at `max(4, itemsize)` bytes
    /// each (the `Int32` or `Double` form they are read into) must fit ``DecodeLimits/maxBytes``.
    ///
    /// - Throws: ``RasterError/limitExceeded(_:)`` for a shape beyond `limits`; ``RasterError`` for a bad magic
    ///   string, header, dtype or a data length that does not match the shape.
    public init(npy bytes: [UInt8], limits: DecodeLimits = .default) throws(RasterError) {
        var cursor = 0
        self = try bytes.withUnsafeBytesTyped { (input) throws(RasterError) -> NPYArray in
            try NPYStreamReader.read(available: input.count, limits: limits) { (out) throws(RasterError) in
                // The reader never asks for more than `available` bytes in all.
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[cursor..<cursor + out.count]))
                cursor += out.count
            }
        }
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
        try int32s(elements: 0..<count)
    }

    /// The elements at C-order positions `range` as `Int32` (one image of a stack without converting the rest).
    ///
    /// - Throws: ``RasterError/unsupported(format:feature:)`` for float arrays or values outside `Int32`.
    public func int32s(elements range: Range<Int>) throws(RasterError) -> [Int32] {
        guard dtype.kind != "f" else { throw .unsupported(format: "NPY", feature: "float data where integers are needed") }
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "element range out of bounds")
        var result = [Int32](repeating: 0, count: range.count)
        if dtype.size == 1 && !fortranOrder {
            let signed = dtype.kind == "i"
            data.withUnsafeBufferPointer { source in
                result.withUnsafeMutableBufferPointer { out in
                    for i in 0..<range.count {
                        let byte = source[range.lowerBound + i]
                        out[i] = signed ? Int32(Int8(bitPattern: byte)) : Int32(byte)
                    }
                }
            }
            return result
        }
        for (i, index) in range.enumerated() {
            let value = element(atStorage: storageIndex(ofCIndex: index))
            guard let exact = Int32(exactly: value) else {
                throw .unsupported(format: "NPY", feature: "value outside the 32-bit range")
            }
            result[i] = exact
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

/// Reads a `.npy` stream from any byte source (memory, a stored or an inflating ZIP entry) in three reads:
/// the fixed prelude, the header, then the data into an array of exactly the declared size, which is checked
/// against the caller's limits first. Bytes after the data are read (so a ZIP entry's CRC covers them) and
/// ignored.
enum NPYStreamReader {
    /// The largest header accepted (NumPy pads headers to 64 bytes; real ones are a few hundred bytes).
    static let maximumHeaderLength = 1 << 20

    /// Reads one array from a source of `available` bytes; `read` must fill its buffer from the next bytes.
    static func read(available: Int, limits: DecodeLimits,
                     _ read: (UnsafeMutableRawBufferPointer) throws(RasterError) -> Void) throws(RasterError) -> NPYArray {
        var consumed = 0
        func next(_ count: Int) throws(RasterError) -> [UInt8] {
            guard available - consumed >= count else {
                throw .truncated(format: "NPY", offset: consumed, needed: count - (available - consumed))
            }
            var bytes = [UInt8](repeating: 0, count: count)
            try bytes.withUnsafeMutableBytesTyped { (buffer) throws(RasterError) in try read(buffer) }
            consumed += count
            return bytes
        }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        var prelude = try next(10)
        guard prelude.starts(with: magic) else { throw .malformed(format: "NPY", reason: "missing \\x93NUMPY magic") }
        let major = prelude[6]
        let headerLength: Int
        switch major {
        case 1:
            headerLength = Int(prelude[8]) | Int(prelude[9]) << 8
        case 2, 3:
            prelude += try next(2)
            headerLength = Int(prelude[8]) | Int(prelude[9]) << 8 | Int(prelude[10]) << 16 | Int(prelude[11]) << 24
        default:
            throw .unsupported(format: "NPY", feature: "format version \(major)")
        }
        guard headerLength <= maximumHeaderLength else {
            throw .malformed(format: "NPY", reason: "header of \(headerLength) bytes")
        }
        let header = try NPYHeaderParser.parse(String(decoding: try next(headerLength), as: UTF8.self))
        let count = DecodeLimits.product(header.shape)
        do {
            try limits.checkBytes(format: "NPY", what: "an array of shape \(header.shape) of \(header.dtype)",
                                  DecodeLimits.product(count, max(4, header.dtype.size)))
        } catch {
            throw .limitExceeded(error)
        }
        let data = try next(count * header.dtype.size)
        // Read (and so checksum) whatever follows the data, a bounded piece at a time.
        var scratch = [UInt8](repeating: 0, count: min(available - consumed, 1 << 16))
        while consumed < available {
            let piece = min(available - consumed, scratch.count)
            try scratch.withUnsafeMutableBytesTyped { (buffer) throws(RasterError) in
                try read(UnsafeMutableRawBufferPointer(rebasing: buffer[..<piece]))
            }
            consumed += piece
        }
        return NPYArray(shape: header.shape, dtype: header.dtype, fortranOrder: header.fortranOrder, data: data)
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
