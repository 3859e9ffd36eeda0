/// Decodes JPEG-compressed DICOM frames (baseline/extended through libjpeg-turbo, lossless in Swift).
enum EncapsulatedJPEG {
    /// Baseline (process 1) and extended (process 2/4) JPEG; 12-bit extended data is rejected by name.
    static func decode(_ streams: [[ArraySlice<UInt8>]], attributes a: DICOMPixelAttributes, frames: Range<Int>,
                       syntax: TransferSyntax, limits: DecodeLimits) throws -> PixelBuffer {
        var samples = [Int32]()
        var photometric: Photometric = a.photometric ?? .monochrome2
        for frame in frames {
            let stream = EncapsulatedFrames.joined(streams[frame])
            let decoded: PixelBuffer
            do {
                decoded = try JPEGDecoder.decode(stream, convertToRGB: true, limits: limits)
            } catch JPEGError.limitExceeded(let exceeded) {
                throw DICOMError.limitExceeded(exceeded)
            } catch JPEGError.unsupportedProcess {
                throw DICOMError.unsupportedTransferSyntax(uid: syntax.uid, name: syntax.name + " with non-8-bit samples")
            } catch let error as JPEGError {
                throw DICOMError.jpegError(reason: error.description)
            }
            guard decoded.rows == a.rows, decoded.columns == a.columns, decoded.samplesPerPixel == a.samplesPerPixel else {
                throw DICOMError.jpegError(reason: "JPEG frame is \(decoded.columns)x\(decoded.rows)x\(decoded.samplesPerPixel), header says \(a.columns)x\(a.rows)x\(a.samplesPerPixel)")
            }
            if a.samplesPerPixel == 3 { photometric = .rgb }
            if samples.isEmpty { samples.reserveCapacity(decoded.samples.count * frames.count) }
            samples.append(contentsOf: decoded.samples)
        }
        return PixelBuffer(rows: a.rows, columns: a.columns, frames: frames.count, samplesPerPixel: a.samplesPerPixel,
                           bitsAllocated: a.bitsAllocated, bitsStored: a.bitsStored, isSigned: a.isSigned,
                           photometric: photometric, samples: samples)
    }

    /// Lossless JPEG (process 14), including selection value 1.
    static func decodeLossless(_ streams: [[ArraySlice<UInt8>]], attributes a: DICOMPixelAttributes,
                               frames: Range<Int>, syntax: TransferSyntax, limits: DecodeLimits) throws -> PixelBuffer {
        var samples = [Int32]()
        for frame in frames {
            let stream = EncapsulatedFrames.joined(streams[frame])
            let image: JPEGLosslessDecoder.Image
            do {
                image = try JPEGLosslessDecoder.decode(stream, limits: limits)
            } catch JPEGError.limitExceeded(let exceeded) {
                throw DICOMError.limitExceeded(exceeded)
            } catch let error as JPEGError {
                throw DICOMError.jpegError(reason: error.description)
            }
            guard image.height == a.rows, image.width == a.columns, image.components == a.samplesPerPixel else {
                throw DICOMError.jpegError(reason: "JPEG frame is \(image.width)x\(image.height)x\(image.components), header says \(a.columns)x\(a.rows)x\(a.samplesPerPixel)")
            }
            var frameSamples = image.samples
            if a.isSigned && a.bitsStored < 32 {
                let shift = Int32(32 - a.bitsStored)
                for i in frameSamples.indices { frameSamples[i] = (frameSamples[i] << shift) >> shift }
            }
            samples.append(contentsOf: frameSamples)
        }
        return PixelBuffer(rows: a.rows, columns: a.columns, frames: frames.count, samplesPerPixel: a.samplesPerPixel,
                           bitsAllocated: a.bitsAllocated, bitsStored: a.bitsStored, isSigned: a.isSigned,
                           photometric: a.photometric ?? .monochrome2, samples: samples)
    }
}
