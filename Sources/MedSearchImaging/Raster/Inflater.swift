import CZlib

/// zlib inflate with hard output bounds, shared by the PNG, NPZ and DICOM (deflated data set) readers.
enum Inflater {
    /// The kind of stream to inflate.
    enum Wrapping {
        /// A zlib stream (2-byte header, Adler-32 trailer), as in PNG IDAT data.
        case zlib
        /// A raw deflate stream, as in ZIP entries and the deflated DICOM transfer syntax.
        case raw
    }

    /// DEFLATE's largest expansion: a 258-byte match coded in 2 bits (RFC 1951), so `n` compressed bytes never
    /// inflate to more than `n * 1032` bytes (plus slack for tiny streams).
    static func maximumInflatedSize(compressed: Int) -> Int {
        DecodeLimits.product(compressed, 1032) &+ 1024
    }

    /// Inflates `input` into exactly `expected` bytes (a size the container declared and the caller has checked
    /// against its budget); trailing compressed data after those bytes is ignored, as libpng and ZIP readers do.
    ///
    /// - Throws: ``RasterError/malformed(format:reason:)`` when `input` cannot possibly inflate to `expected`
    ///   bytes (checked before allocating), or a decompression error when the stream is corrupt or ends early.
    static func inflate(_ input: UnsafeRawBufferPointer, wrapping: Wrapping, expected: Int,
                        format: String) throws(RasterError) -> [UInt8] {
        guard expected <= maximumInflatedSize(compressed: input.count) else {
            throw .malformed(format: format, reason: "\(input.count) compressed bytes cannot inflate to \(expected)")
        }
        let stream = try InflateStream(input, pieces: [0..<input.count], wrapping: wrapping, format: format)
        var failure: RasterError?
        let output = [UInt8](unsafeUninitializedCapacity: expected) { buffer, initialized in
            do throws(RasterError) {
                try stream.read(into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
                buffer.initialize(repeating: 0)
            }
            initialized = expected
        }
        if let failure { throw failure }
        return output
    }

    /// Inflates `input` completely, growing the output as it comes (so memory follows the real output, not a
    /// declared size) and stopping with ``RasterError/limitExceeded(_:)`` as soon as it passes `limit` bytes.
    ///
    /// - Throws: ``RasterError`` when the stream is corrupt, truncated or larger than `limit`.
    static func inflateAll(_ input: UnsafeRawBufferPointer, wrapping: Wrapping, limit: Int, what: String,
                           format: String) throws(RasterError) -> [UInt8] {
        let stream = try InflateStream(input, pieces: [0..<input.count], wrapping: wrapping, format: format)
        var output = [UInt8](repeating: 0, count: min(max(4096, DecodeLimits.product(input.count, 4)), limit))
        var produced = 0
        while true {
            let got = try output.withUnsafeMutableBytesTyped { (buffer) throws(RasterError) -> Int in
                try stream.readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[produced...]))
            }
            produced += got
            if stream.isFinished { break }
            if produced == output.count {
                guard output.count < limit else {
                    throw .limitExceeded(DecodeLimitExceeded(
                        format: format, limit: .bytes, what: what + " (inflation stopped at the limit)",
                        declared: limit == Int.max ? limit : limit + 1, maximum: limit))
                }
                output.append(contentsOf: repeatElement(0, count: min(limit, output.count * 2) - output.count))
            }
        }
        output.removeLast(output.count - produced)
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

/// A zlib inflate stream read in pieces of the caller's choosing (a PNG scanline, an NPY header), so that no
/// more output exists at once than the caller asked for.
///
/// The compressed input is a list of byte ranges of one buffer (PNG IDAT chunks, one ZIP entry); the buffer must
/// stay valid for the stream's lifetime (use it inside `withUnsafeBytes`).
final class InflateStream {
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeRawBufferPointer
    private let pieces: [Range<Int>]
    private var nextPiece = 0
    private let format: String
    /// Bytes produced so far.
    private(set) var produced = 0
    /// Whether the end of the compressed stream was reached.
    private(set) var isFinished = false

    init(_ input: UnsafeRawBufferPointer, pieces: [Range<Int>], wrapping: Inflater.Wrapping,
         format: String) throws(RasterError) {
        self.input = input
        // zlib counts input in 32-bit units: feed larger ranges in parts.
        self.pieces = pieces.flatMap { piece in
            stride(from: piece.lowerBound, to: piece.upperBound, by: Int(UInt32.max)).map {
                $0..<min($0 + Int(UInt32.max), piece.upperBound)
            }
        }
        self.format = format
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let windowBits: Int32 = wrapping == .zlib ? 15 : -15
        guard inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw .decompressionFailed(format: format, reason: "cannot initialise zlib")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Fills `output` completely.
    /// - Throws: ``RasterError/decompressionFailed(format:reason:)`` when the data is corrupt or ends first.
    func read(into output: UnsafeMutableRawBufferPointer) throws(RasterError) {
        let got = try readSome(into: output)
        guard got == output.count else {
            throw .decompressionFailed(format: format, reason: "compressed stream ends after \(produced) bytes")
        }
    }

    /// Fills as much of `output` as the stream gives before it ends; returns the byte count.
    func readSome(into output: UnsafeMutableRawBufferPointer) throws(RasterError) -> Int {
        guard let base = output.baseAddress, output.count > 0 else { return 0 }
        var filled = 0
        while filled < output.count && !isFinished {
            if stream.pointee.avail_in == 0 {
                guard nextPiece < pieces.count else {
                    throw .decompressionFailed(format: format, reason: "compressed stream ends early")
                }
                let piece = pieces[nextPiece]
                nextPiece += 1
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?
                    .advanced(by: piece.lowerBound).assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(piece.count)
            }
            let room = min(output.count - filled, Int(UInt32.max))
            stream.pointee.next_out = base.advanced(by: filled).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            let wrote = room - Int(stream.pointee.avail_out)
            filled += wrote
            produced += wrote
            switch status {
            case Z_STREAM_END:
                isFinished = true
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress: more input is needed (the loop feeds the next piece or reports the early end).
                if stream.pointee.avail_in != 0 {
                    throw .decompressionFailed(format: format, reason: "zlib made no progress")
                }
            case Z_DATA_ERROR:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "corrupt data"
                throw .decompressionFailed(format: format, reason: message)
            case Z_NEED_DICT:
                throw .decompressionFailed(format: format, reason: "preset dictionary required")
            case Z_MEM_ERROR:
                throw .decompressionFailed(format: format, reason: "out of memory")
            default:
                throw .decompressionFailed(format: format, reason: "zlib status \(status)")
            }
        }
        return filled
    }
}
