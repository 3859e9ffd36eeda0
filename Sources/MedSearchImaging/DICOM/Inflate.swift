import CZlib

/// Raw DEFLATE (RFC 1951) decompression through zlib, with a hard output bound.
enum Inflate {
    /// Inflates `input` (no zlib or gzip header), growing the output as needed up to `maximumOutput` bytes.
    /// - Throws: ``DICOMError/deflateError(reason:)`` on corrupt data or when the output would exceed the bound.
    static func raw(_ input: ArraySlice<UInt8>, maximumOutput: Int) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DICOMError.deflateError(reason: "inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        var capacity = min(max(input.count * 4, 4096), maximumOutput)
        var produced = 0
        let status: Int32 = try input.withUnsafeBufferPointer { inputBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(clamping: inputBuffer.count)
            while true {
                if produced == capacity {
                    guard capacity < maximumOutput else {
                        throw DICOMError.deflateError(reason: "inflated size exceeds \(maximumOutput) bytes")
                    }
                    capacity = min(capacity * 2, maximumOutput)
                }
                if output.count < capacity { output.append(contentsOf: repeatElement(0, count: capacity - output.count)) }
                let result: Int32 = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = UInt32(clamping: capacity - produced)
                    let before = stream.avail_out
                    let code = inflate(&stream, Z_NO_FLUSH)
                    produced += Int(before - stream.avail_out)
                    return code
                }
                switch result {
                case Z_STREAM_END: return result
                case Z_OK: continue
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 { return result }  // input ended before the stream did
                    continue
                default:
                    throw DICOMError.deflateError(reason: "zlib error \(result)")
                }
            }
        }
        if status != Z_STREAM_END {
            throw DICOMError.deflateError(reason: "deflate stream is truncated")
        }
        output.removeSubrange(produced...)
        return output
    }
}
