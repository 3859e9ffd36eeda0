import CZlib

/// zlib inflate with a hard output limit, shared by the PNG and NPZ readers.
enum Inflater {
    /// The kind of stream to inflate.
    enum Wrapping {
        /// A zlib stream (2-byte header, Adler-32 trailer), as in PNG IDAT data.
        case zlib
        /// A raw deflate stream, as in ZIP entries.
        case raw
    }

    /// Inflates `input` into at most `limit` bytes.
    ///
    /// - Parameters:
    ///   - expected: when given, the output must be exactly this long; inflation stops once that many bytes
    ///     were produced (trailing compressed data is ignored, as libpng does).
    ///   - limit: the largest output accepted; more throws ``RasterError/tooLarge(format:reason:)``.
    /// - Throws: ``RasterError`` when the stream is corrupt, truncated or too large.
    static func inflate(_ input: UnsafeRawBufferPointer, wrapping: Wrapping, expected: Int?, limit: Int,
                        format: String) throws(RasterError) -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = wrapping == .zlib ? 15 : -15
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .decompressionFailed(format: format, reason: "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        // Deflate expands at most about 1032:1, so a forged size cannot make us allocate more than that up front.
        let plausible = input.count.multipliedReportingOverflow(by: 1032).partialValue + 1024
        let capacity = min(expected ?? max(1024, input.count * 4), plausible, limit)
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var consumed = 0
        while true {
            if produced == output.count {
                if let expected, produced >= expected { break }
                if produced >= plausible { throw .malformed(format: format, reason: "more data than deflate can encode") }
                guard output.count < limit else {
                    throw .tooLarge(format: format, reason: "inflated data exceeds \(limit) bytes")
                }
                output.append(contentsOf: repeatElement(0, count: min(limit, output.count * 2) - output.count))
            }
            let status: Int32 = output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?
                    .assumingMemoryBound(to: Bytef.self).advanced(by: consumed))
                let availableIn = min(input.count - consumed, Int(UInt32.max))
                stream.avail_in = uInt(availableIn)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self).advanced(by: produced)
                let availableOut = min(out.count - produced, Int(UInt32.max))
                stream.avail_out = uInt(availableOut)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                consumed += availableIn - Int(stream.avail_in)
                produced += availableOut - Int(stream.avail_out)
                return status
            }
            if status == Z_STREAM_END { break }
            switch status {
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: either the output is full (loop grows it) or the input ended early.
                if produced < output.count {
                    throw .decompressionFailed(format: format, reason: "compressed stream ends early")
                }
            case Z_DATA_ERROR:
                let message = stream.msg.map { String(cString: $0) } ?? "corrupt data"
                throw .decompressionFailed(format: format, reason: message)
            case Z_MEM_ERROR:
                throw .decompressionFailed(format: format, reason: "out of memory")
            default:
                throw .decompressionFailed(format: format, reason: "zlib status \(status)")
            }
        }
        if let expected {
            guard produced >= expected else {
                throw .malformed(format: format, reason: "inflated \(produced) bytes, expected \(expected)")
            }
            output.removeLast(output.count - expected)
        } else {
            output.removeLast(output.count - produced)
        }
        return output
    }

    /// CRC-32 (ISO 3309, as in PNG and ZIP) of `bytes`, continuing from `crc`.
    static func crc32(_ bytes: UnsafeRawBufferPointer, crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        var value = UInt(crc)
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, Int(UInt32.max))
            value = CZlib.crc32(value, base.assumingMemoryBound(to: Bytef.self).advanced(by: offset), uInt(chunk))
            offset += chunk
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
