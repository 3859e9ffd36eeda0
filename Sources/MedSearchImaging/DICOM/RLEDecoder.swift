/// DICOM RLE Lossless (PS3.5 Annex G): per frame a 64-byte header and one PackBits segment per byte plane.
enum RLEDecoder {
    static func decode(_ streams: [[ArraySlice<UInt8>]], attributes a: DICOMPixelAttributes,
                       frames: Range<Int>) throws -> PixelBuffer {
        guard a.bitsAllocated % 8 == 0 else {
            throw DICOMError.unsupportedPixelFormat(reason: "RLE with \(a.bitsAllocated) bits allocated")
        }
        guard streams.count == a.frames else {
            throw DICOMError.rleError(reason: "\(streams.count) frame streams for \(a.frames) frames")
        }
        let bytesPerSample = a.bitsAllocated / 8
        let segmentCount = a.samplesPerPixel * bytesPerSample
        let pixels = a.rows * a.columns
        let samplesPerFrame = pixels * a.samplesPerPixel
        // A PackBits segment expands at most 64-fold (2 bytes -> 128): reject headers that promise more.
        let compressed = frames.reduce(0) { $0 + streams[$1].reduce(0) { $0 + $1.count } }
        guard pixels * segmentCount * frames.count <= compressed * 64 + 4096 else {
            throw DICOMError.rleError(reason: "image size impossible for \(compressed) compressed bytes")
        }
        var plane = [UInt8](repeating: 0, count: pixels)
        var samples = [Int32](repeating: 0, count: samplesPerFrame * frames.count)
        for (f, frame) in frames.enumerated() {
            let stream = EncapsulatedFrames.joined(streams[frame])
            guard stream.count >= 64 else { throw DICOMError.rleError(reason: "frame shorter than its header") }
            let base = stream.startIndex
            func word(_ index: Int) -> Int {
                let o = base + 4 * index
                return Int(UInt32(stream[o]) | UInt32(stream[o + 1]) << 8 | UInt32(stream[o + 2]) << 16
                           | UInt32(stream[o + 3]) << 24)
            }
            let declared = word(0)
            guard declared == segmentCount else {
                throw DICOMError.rleError(reason: "\(declared) segments, expected \(segmentCount)")
            }
            var offsets = (1...segmentCount).map { word($0) }
            offsets.append(stream.count)
            for s in 0..<segmentCount {
                let start = offsets[s], end = offsets[s + 1]
                guard start >= 64, start <= end, end <= stream.count else {
                    throw DICOMError.rleError(reason: "bad segment offset")
                }
                try unpackBits(stream[(base + start)..<(base + end)], into: &plane)
                // Segment order: sample 0 most significant byte first, ..., then sample 1, sample 2.
                let sample = s / bytesPerSample
                let byteShift = Int32(8 * (bytesPerSample - 1 - s % bytesPerSample))
                plane.withUnsafeBufferPointer { src in
                    samples.withUnsafeMutableBufferPointer { dst in
                        let out = f * samplesPerFrame + sample
                        let step = a.samplesPerPixel
                        for p in 0..<pixels {
                            dst[out + p * step] |= Int32(src[p]) << byteShift
                        }
                    }
                }
            }
        }
        if a.isSigned && a.bitsStored < 32 {
            let shift = Int32(32 - a.bitsStored)
            samples.withUnsafeMutableBufferPointer { s in
                for i in s.indices { s[i] = (s[i] << shift) >> shift }
            }
        }
        return PixelBuffer(rows: a.rows, columns: a.columns, frames: frames.count, samplesPerPixel: a.samplesPerPixel,
                           bitsAllocated: a.bitsAllocated, bitsStored: a.bitsStored, isSigned: a.isSigned,
                           photometric: a.photometric ?? .monochrome2, samples: samples)
    }

    /// PackBits: n >= 0 copies n+1 literal bytes, -127...-1 repeats the next byte 1-n times, -128 is a no-op.
    /// Fills `output` exactly; extra decoded bytes (padding) are ignored; too few is an error.
    static func unpackBits(_ input: ArraySlice<UInt8>, into output: inout [UInt8]) throws {
        let needed = output.count
        let produced: Int = input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                var i = 0, o = 0
                let n = src.count
                while i < n && o < needed {
                    let header = Int(Int8(bitPattern: src[i]))
                    i += 1
                    if header >= 0 {
                        let run = min(header + 1, n - i, needed - o)
                        for k in 0..<run { dst[o + k] = src[i + k] }
                        i += header + 1
                        o += run
                    } else if header != -128 {
                        guard i < n else { break }
                        let run = min(1 - header, needed - o)
                        let value = src[i]
                        for k in 0..<run { dst[o + k] = value }
                        i += 1
                        o += run
                    }
                }
                return o
            }
        }
        guard produced == needed else {
            throw DICOMError.rleError(reason: "segment decodes to \(produced) bytes, expected \(needed)")
        }
    }
}
