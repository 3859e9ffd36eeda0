/// Decodes native (uncompressed) pixel data into stored values.
enum NativePixelDecoder {
    /// Decodes frames `frames` of `data`.
    /// - Parameters:
    ///   - littleEndian: byte order of 16/32-bit samples.
    ///   - swapBytePairs: 8-bit samples in a big-endian OW value (stored as byte-swapped 16-bit words).
    static func decode(_ data: ArraySlice<UInt8>, attributes a: DICOMPixelAttributes, frames: Range<Int>,
                       littleEndian: Bool, swapBytePairs: Bool) throws -> PixelBuffer {
        if a.photometricName == "YBR_FULL_422" {
            return try decodeYBRFull422(data, attributes: a, frames: frames, littleEndian: littleEndian)
        }
        let frameBits = a.nativeFrameBits
        let (totalBits, overflow) = frameBits.multipliedReportingOverflow(by: a.frames)
        guard !overflow, totalBits / 8 < Int.max / 2 else {
            throw DICOMError.pixelDataTooShort(expected: Int.max, actual: data.count)
        }
        let expectedBytes = (totalBits + 7) / 8
        guard data.count >= expectedBytes else {
            throw DICOMError.pixelDataTooShort(expected: expectedBytes, actual: data.count)
        }
        let samplesPerFrame = a.rows * a.columns * a.samplesPerPixel
        let count = samplesPerFrame * frames.count
        let shift = 32 - a.bitsStored
        let signExtend = a.isSigned && a.bitsStored < 32
        var samples = [Int32](unsafeUninitializedCapacity: count) { out, initialized in
            data.withUnsafeBytes { raw in
                let base = raw.baseAddress!
                for (f, frame) in frames.enumerated() {
                    let dst = out.baseAddress! + f * samplesPerFrame
                    switch a.bitsAllocated {
                    case 1:
                        let firstBit = frame * frameBits
                        for i in 0..<samplesPerFrame {
                            let bit = firstBit + i
                            dst[i] = Int32((base.load(fromByteOffset: bit >> 3, as: UInt8.self) >> UInt8(bit & 7)) & 1)
                        }
                    case 8:
                        let src = base + frame * samplesPerFrame
                        if swapBytePairs {
                            let available = raw.count - frame * samplesPerFrame
                            for i in 0..<samplesPerFrame {
                                let j = i ^ 1
                                dst[i] = j < available ? Int32(src.load(fromByteOffset: j, as: UInt8.self)) : 0
                            }
                        } else if a.isSigned {
                            let s = src.assumingMemoryBound(to: Int8.self)
                            for i in 0..<samplesPerFrame { dst[i] = Int32(s[i]) }
                        } else {
                            let s = src.assumingMemoryBound(to: UInt8.self)
                            for i in 0..<samplesPerFrame { dst[i] = Int32(s[i]) }
                        }
                    case 16:
                        let src = base + frame * samplesPerFrame * 2
                        if littleEndian {
                            if a.isSigned && a.bitsStored == 16 {
                                for i in 0..<samplesPerFrame {
                                    dst[i] = Int32(Int16(bitPattern: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                                }
                            } else {
                                for i in 0..<samplesPerFrame {
                                    dst[i] = Int32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                                }
                            }
                        } else {
                            for i in 0..<samplesPerFrame {
                                dst[i] = Int32(UInt16(bigEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                            }
                            if a.isSigned && a.bitsStored == 16 {
                                for i in 0..<samplesPerFrame { dst[i] = (dst[i] << 16) >> 16 }
                            }
                        }
                    default:  // 32
                        let src = base + frame * samplesPerFrame * 4
                        for i in 0..<samplesPerFrame {
                            let word = src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                            dst[i] = Int32(bitPattern: littleEndian ? UInt32(littleEndian: word) : UInt32(bigEndian: word))
                        }
                    }
                    if signExtend && a.bitsStored < a.bitsAllocated {
                        for i in 0..<samplesPerFrame { dst[i] = (dst[i] << Int32(shift)) >> Int32(shift) }
                    }
                }
            }
            initialized = count
        }
        if a.planarConfiguration == 1 && a.samplesPerPixel == 3 {
            samples = interleavePlanes(samples, pixelsPerFrame: a.rows * a.columns, frames: frames.count)
        }
        return PixelBuffer(rows: a.rows, columns: a.columns, frames: frames.count, samplesPerPixel: a.samplesPerPixel,
                           bitsAllocated: a.bitsAllocated, bitsStored: a.bitsStored, isSigned: a.isSigned,
                           photometric: a.photometric ?? .monochrome2, samples: samples)
    }

    /// Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): chroma at half the horizontal rate, stored per pair of pixels as
    /// `Y1 Y2 Cb Cr`; expanded here to `Y1 Cb Cr Y2 Cb Cr` (both pixels of a pair share the chroma of the first),
    /// as pydicom does. The samples keep their YBR meaning (``Photometric/ybrFull422``); ``DICOMFile/colorFrame(_:)``
    /// converts to RGB.
    static func decodeYBRFull422(_ data: ArraySlice<UInt8>, attributes a: DICOMPixelAttributes, frames: Range<Int>,
                                 littleEndian: Bool) throws -> PixelBuffer {
        guard a.samplesPerPixel == 3, a.planarConfiguration == 0 else {
            throw DICOMError.unsupportedPixelFormat(reason: "YBR_FULL_422 needs 3 samples per pixel, interleaved")
        }
        guard a.bitsAllocated == 8 || a.bitsAllocated == 16 else {
            throw DICOMError.unsupportedPixelFormat(reason: "YBR_FULL_422 with \(a.bitsAllocated) bits allocated")
        }
        guard a.columns % 2 == 0 else {
            throw DICOMError.unsupportedPixelFormat(reason: "YBR_FULL_422 with an odd number of columns")
        }
        let bytesPerSample = a.bitsAllocated / 8
        let pixelsPerFrame = a.rows * a.columns
        // Two stored samples per pixel (Y, and half of a Cb/Cr pair).
        let frameBytes = pixelsPerFrame * 2 * bytesPerSample
        let expectedBytes = DecodeLimits.product(frameBytes, a.frames)
        guard data.count >= expectedBytes else {
            throw DICOMError.pixelDataTooShort(expected: expectedBytes, actual: data.count)
        }
        let count = pixelsPerFrame * 3 * frames.count
        let shift = Int32(32 - a.bitsStored)
        let signExtend = a.isSigned && a.bitsStored < 32
        let samples = [Int32](unsafeUninitializedCapacity: count) { out, initialized in
            data.withUnsafeBytes { raw in
                func sample(_ index: Int) -> Int32 {
                    var value: Int32
                    if bytesPerSample == 1 {
                        value = Int32(raw[index])
                    } else {
                        let first = UInt16(raw[2 * index]), second = UInt16(raw[2 * index + 1])
                        value = Int32(littleEndian ? first | second << 8 : first << 8 | second)
                    }
                    if signExtend { value = (value << shift) >> shift }
                    return value
                }
                for (f, frame) in frames.enumerated() {
                    let source = frame * pixelsPerFrame * 2
                    let target = f * pixelsPerFrame * 3
                    for pair in 0..<pixelsPerFrame / 2 {
                        let s = source + 4 * pair, t = target + 6 * pair
                        let cb = sample(s + 2), cr = sample(s + 3)
                        out[t] = sample(s)
                        out[t + 1] = cb
                        out[t + 2] = cr
                        out[t + 3] = sample(s + 1)
                        out[t + 4] = cb
                        out[t + 5] = cr
                    }
                }
            }
            initialized = count
        }
        return PixelBuffer(rows: a.rows, columns: a.columns, frames: frames.count, samplesPerPixel: 3,
                           bitsAllocated: a.bitsAllocated, bitsStored: a.bitsStored, isSigned: a.isSigned,
                           photometric: .ybrFull422, samples: samples)
    }

    /// Turns R...R G...G B...B frames into R,G,B,R,G,B,... frames.
    static func interleavePlanes(_ planar: [Int32], pixelsPerFrame: Int, frames: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: planar.count)
        planar.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for f in 0..<frames {
                    let base = f * pixelsPerFrame * 3
                    for p in 0..<pixelsPerFrame {
                        dst[base + 3 * p] = src[base + p]
                        dst[base + 3 * p + 1] = src[base + pixelsPerFrame + p]
                        dst[base + 3 * p + 2] = src[base + 2 * pixelsPerFrame + p]
                    }
                }
            }
        }
        return out
    }
}
