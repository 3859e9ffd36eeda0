import Foundation

/// A NumPy `.npz` archive: a ZIP file of `.npy` arrays, entries stored or deflated (`np.savez` and
/// `np.savez_compressed`), ZIP64 included.
///
/// ```swift
/// let archive = try NPZArchive(contentsOf: url)
/// let images = try archive.array(named: "train_images")   // shape (N, 28, 28), uint8
/// ```
public struct NPZArchive: Sendable {
    /// One entry of the ZIP central directory.
    struct Entry: Sendable {
        var name: String
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    private let bytes: [UInt8]
    private let entries: [String: Entry]
    /// The budget every array read from this archive is checked against.
    public let limits: DecodeLimits

    /// The array names (entry names without the `.npy` suffix), in archive order.
    public let names: [String]

    /// Reads an archive from disk; its arrays are read under `limits`.
    ///
    /// - Throws: ``RasterError/fileUnreadable(path:reason:)`` or a format error.
    public init(contentsOf url: URL, limits: DecodeLimits = .default) throws(RasterError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .fileUnreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        try self.init(bytes: Array(data), limits: limits)
    }

    /// Parses the central directory of an archive held in memory; its arrays are read under `limits`.
    ///
    /// - Throws: ``RasterError`` when the ZIP structure is invalid or uses encryption or multiple disks.
    public init(bytes: [UInt8], limits: DecodeLimits = .default) throws(RasterError) {
        self.bytes = bytes
        self.limits = limits
        let directory = try Self.readDirectory(bytes)
        var map: [String: Entry] = [:]
        var order: [String] = []
        for entry in directory {
            let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            if map[name] == nil { order.append(name) }
            map[name] = entry
        }
        entries = map
        names = order
    }

    /// Reads and parses the array `name` (with or without `.npy`).
    ///
    /// The entry's declared size is checked against ``limits`` (``DecodeLimits/maxBytes``) before anything is
    /// inflated, the NPY header is inflated first and its shape checked the same way, and the data is then
    /// inflated straight into an array of the declared size: an entry that inflates past what it declared is an
    /// error, never a larger allocation.
    ///
    /// - Throws: ``RasterError/missingArray(name:)`` when absent, ``RasterError/limitExceeded(_:)`` beyond the
    ///   limits, or a ZIP/NPY format error.
    public func array(named name: String) throws(RasterError) -> NPYArray {
        let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
        guard let entry = entries[key] else { throw .missingArray(name: key) }
        return try read(entry)
    }

    // MARK: - ZIP structure

    private func read(_ entry: Entry) throws(RasterError) -> NPYArray {
        guard entry.flags & 1 == 0 else { throw .unsupported(format: "ZIP", feature: "encrypted entry") }
        let offset = entry.localHeaderOffset
        guard offset >= 0, offset <= bytes.count, bytes.count - offset >= 30 else {
            throw .truncated(format: "ZIP", offset: offset, needed: 30)
        }
        guard Self.le32(bytes, offset) == 0x0403_4B50 else {
            throw .malformed(format: "ZIP", reason: "no local header at offset \(offset)")
        }
        let nameLength = Int(Self.le16(bytes, offset + 26))
        let extraLength = Int(Self.le16(bytes, offset + 28))
        let start = offset + 30 + nameLength + extraLength
        guard start <= bytes.count, bytes.count - start >= entry.compressedSize else {
            throw .truncated(format: "ZIP", offset: start, needed: max(0, start + entry.compressedSize - bytes.count))
        }
        let label = entry.name.count <= 64 ? entry.name : String(entry.name.prefix(64)) + "..."
        do {
            try limits.checkBytes(format: "NPZ", what: "the entry \(label.debugDescription)", entry.uncompressedSize)
        } catch {
            throw .limitExceeded(error)
        }
        var crc: UInt32 = 0
        let array = try bytes.withUnsafeBytesTyped { (buffer) throws(RasterError) -> NPYArray in
            let compressed = UnsafeRawBufferPointer(rebasing: buffer[start..<start + entry.compressedSize])
            switch entry.method {
            case 0:
                guard entry.compressedSize == entry.uncompressedSize else {
                    throw .malformed(format: "ZIP", reason: "stored entry sizes differ")
                }
                var cursor = 0
                return try NPYStreamReader.read(available: entry.uncompressedSize, limits: limits) { (out) throws(RasterError) in
                    let piece = UnsafeRawBufferPointer(rebasing: compressed[cursor..<cursor + out.count])
                    out.copyMemory(from: piece)
                    crc = Inflater.crc32(piece, crc: crc)
                    cursor += out.count
                }
            case 8:
                guard entry.uncompressedSize <= Inflater.maximumInflatedSize(compressed: entry.compressedSize) else {
                    throw .malformed(format: "ZIP", reason: "\(entry.compressedSize) compressed bytes cannot "
                                     + "inflate to the \(entry.uncompressedSize) the entry declares")
                }
                let stream = try InflateStream(compressed, pieces: [0..<compressed.count], wrapping: .raw,
                                               format: "ZIP")
                return try NPYStreamReader.read(available: entry.uncompressedSize, limits: limits) { (out) throws(RasterError) in
                    try stream.read(into: out)
                    crc = Inflater.crc32(UnsafeRawBufferPointer(out), crc: crc)
                }
            default:
                throw .unsupported(format: "ZIP", feature: "compression method \(entry.method)")
            }
        }
        guard crc == entry.crc else { throw .checksumMismatch(format: "ZIP", what: "entry \(label)") }
        return array
    }

    private static func readDirectory(_ bytes: [UInt8]) throws(RasterError) -> [Entry] {
        guard bytes.count >= 22 else { throw .truncated(format: "ZIP", offset: 0, needed: 22 - bytes.count) }
        guard le32(bytes, 0) == 0x0403_4B50 || le32(bytes, 0) == 0x0605_4B50 else { throw .unrecognisedFormat }
        // End of central directory: last 22 bytes plus a comment of at most 65,535 bytes.
        var eocd = -1
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while position >= lowest {
            if le32(bytes, position) == 0x0605_4B50 { eocd = position; break }
            position -= 1
        }
        guard eocd >= 0 else { throw .malformed(format: "ZIP", reason: "no end of central directory record") }
        var count = Int(le16(bytes, eocd + 10))
        var directorySize = Int(le32(bytes, eocd + 12))
        var directoryOffset = Int(le32(bytes, eocd + 16))
        guard le16(bytes, eocd + 4) == 0, le16(bytes, eocd + 6) == 0 else {
            throw .unsupported(format: "ZIP", feature: "multi-disk archive")
        }
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64 end of central directory locator sits just before the classic record.
            let locator = eocd - 20
            guard locator >= 0, le32(bytes, locator) == 0x0706_4B50 else {
                throw .malformed(format: "ZIP", reason: "ZIP64 locator missing")
            }
            let record = try checkedInt(le64(bytes, locator + 8))
            guard record >= 0, record <= bytes.count - 56, le32(bytes, record) == 0x0606_4B50 else {
                throw .malformed(format: "ZIP", reason: "ZIP64 end of central directory missing")
            }
            count = try checkedInt(le64(bytes, record + 32))
            directorySize = try checkedInt(le64(bytes, record + 40))
            directoryOffset = try checkedInt(le64(bytes, record + 48))
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw .truncated(format: "ZIP", offset: directoryOffset, needed: directorySize)
        }
        guard count <= directorySize / 46 else {
            throw .malformed(format: "ZIP", reason: "\(count) entries cannot fit in \(directorySize) bytes")
        }
        var entries: [Entry] = []
        var cursor = directoryOffset
        let end = directoryOffset + directorySize
        for _ in 0..<count {
            guard end - cursor >= 46 else { throw .truncated(format: "ZIP", offset: cursor, needed: 46) }
            guard le32(bytes, cursor) == 0x0201_4B50 else {
                throw .malformed(format: "ZIP", reason: "bad central directory entry at offset \(cursor)")
            }
            let flags = le16(bytes, cursor + 8)
            let method = le16(bytes, cursor + 10)
            let crc = le32(bytes, cursor + 16)
            var compressed = Int(le32(bytes, cursor + 20))
            var uncompressed = Int(le32(bytes, cursor + 24))
            let nameLength = Int(le16(bytes, cursor + 28))
            let extraLength = Int(le16(bytes, cursor + 30))
            let commentLength = Int(le16(bytes, cursor + 32))
            var localOffset = Int(le32(bytes, cursor + 42))
            let variable = nameLength + extraLength + commentLength
            guard end - cursor - 46 >= variable else {
                throw .truncated(format: "ZIP", offset: cursor + 46, needed: variable)
            }
            let name = String(decoding: bytes[cursor + 46..<cursor + 46 + nameLength], as: UTF8.self)
            // ZIP64 extended information: only the fields saturated in the classic record are present.
            var extra = cursor + 46 + nameLength
            let extraEnd = extra + extraLength
            while extraEnd - extra >= 4 {
                let id = le16(bytes, extra)
                let size = Int(le16(bytes, extra + 2))
                guard extraEnd - extra - 4 >= size else { break }
                if id == 0x0001 {
                    var field = extra + 4
                    let fieldEnd = field + size
                    func next() throws(RasterError) -> Int {
                        guard fieldEnd - field >= 8 else {
                            throw .malformed(format: "ZIP", reason: "short ZIP64 extra field")
                        }
                        defer { field += 8 }
                        return try checkedInt(le64(bytes, field))
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                }
                extra += 4 + size
            }
            entries.append(Entry(name: name, method: method, flags: flags, crc: crc, compressedSize: compressed,
                                 uncompressedSize: uncompressed, localHeaderOffset: localOffset))
            cursor += 46 + variable
        }
        return entries
    }

    private static func checkedInt(_ value: UInt64) throws(RasterError) -> Int {
        guard value <= UInt64(Int32.max) * 4 else { throw .tooLarge(format: "ZIP", reason: "64-bit size \(value)") }
        return Int(value)
    }

    @inline(__always) static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    @inline(__always) static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    @inline(__always) static func le64(_ b: [UInt8], _ i: Int) -> UInt64 {
        UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32
    }
}
