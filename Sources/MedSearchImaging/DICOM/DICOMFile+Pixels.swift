/// Pixel decoding: native (uncompressed), RLE Lossless and encapsulated JPEG.
extension DICOMFile {
    /// Whether the data set has a Pixel Data element.
    public var hasPixelData: Bool { dataset.contains(.pixelData) }

    /// The validated pixel attributes, checked against ``limits``: rows x columns against
    /// ``DecodeLimits/maxPixels``, Number of Frames against ``DecodeLimits/maxFrames``.
    /// - Throws: ``DICOMError``, ``DICOMError/limitExceeded(_:)`` beyond ``limits``.
    public func pixelAttributes() throws -> DICOMPixelAttributes {
        let attributes = try DICOMPixelAttributes(dataset)
        do {
            try limits.checkPixels(format: "DICOM", width: attributes.columns, height: attributes.rows)
            try limits.checkFrames(format: "DICOM", attributes.frames)
        } catch {
            throw DICOMError.limitExceeded(error)
        }
        return attributes
    }

    /// Decodes every frame to stored values (before any LUT, rescale or window).
    ///
    /// Signed samples are sign-extended from Bits Stored; 1-bit samples are unpacked to 0/1; colour stays
    /// interleaved R,G,B per pixel (planar data is interleaved here). JPEG-compressed colour is returned as RGB
    /// (libjpeg's YCbCr conversion), so the buffer's ``PixelBuffer/photometric`` is then `.rgb` whatever the file
    /// says; RLE and native YBR data keep their photometric interpretation.
    /// - Throws: ``DICOMError``, e.g. ``DICOMError/unsupportedTransferSyntax(uid:name:)`` for JPEG-LS or JPEG 2000.
    public func decodePixels() throws -> PixelBuffer {
        let attributes = try pixelAttributes()
        return try decode(frames: 0..<attributes.frames, attributes: attributes)
    }

    /// Decodes one frame (0-based) to stored values; the result has `frames == 1`.
    /// - Throws: ``DICOMError/frameOutOfRange(index:frames:)`` and the errors of ``decodePixels()``.
    public func decodeFrame(_ index: Int) throws -> PixelBuffer {
        let attributes = try pixelAttributes()
        guard index >= 0, index < attributes.frames else {
            throw DICOMError.frameOutOfRange(index: index, frames: attributes.frames)
        }
        return try decode(frames: index..<(index + 1), attributes: attributes)
    }

    func decode(frames: Range<Int>, attributes: DICOMPixelAttributes) throws -> PixelBuffer {
        guard let element = dataset[.pixelData] else { throw DICOMError.noPixelData }
        // Every decoder below produces Int32 samples for these frames: check their size before any of them runs.
        do {
            try limits.checkSamples(format: "DICOM", width: attributes.columns, height: attributes.rows,
                                    frames: frames.count, samplesPerPixel: attributes.samplesPerPixel)
        } catch {
            throw DICOMError.limitExceeded(error)
        }
        switch element.value {
        case .bytes(let bytes):
            if attributes.photometricName.hasPrefix("YBR_") && attributes.photometricName != "YBR_FULL"
                && attributes.photometricName != "YBR_FULL_422" {
                throw DICOMError.unsupportedPixelFormat(reason: "native \(attributes.photometricName) data")
            }
            if transferSyntax.isEncapsulated {
                // Compressed syntaxes must encapsulate; a defined-length value is not decodable as such.
                throw DICOMError.malformedSequence(tag: .pixelData, offset: 0, reason: "compressed pixel data is not encapsulated")
            }
            let swap = !transferSyntax.isLittleEndian && element.vr == .OW && attributes.bitsAllocated == 8
            return try NativePixelDecoder.decode(bytes, attributes: attributes, frames: frames,
                                                 littleEndian: dataset.isLittleEndian,
                                                 swapBytePairs: swap)
        case .fragments(let table, let fragments):
            let frameStreams = try EncapsulatedFrames.split(table: table, fragments: fragments,
                                                            frames: attributes.frames, syntax: transferSyntax)
            switch transferSyntax.uid {
            case TransferSyntax.rleLossless.uid:
                return try RLEDecoder.decode(frameStreams, attributes: attributes, frames: frames)
            case TransferSyntax.jpegBaseline.uid, TransferSyntax.jpegExtended.uid:
                return try EncapsulatedJPEG.decode(frameStreams, attributes: attributes, frames: frames,
                                                   syntax: transferSyntax, limits: limits)
            case TransferSyntax.jpegLossless.uid, TransferSyntax.jpegLosslessSV1.uid:
                return try EncapsulatedJPEG.decodeLossless(frameStreams, attributes: attributes, frames: frames,
                                                           syntax: transferSyntax, limits: limits)
            default:
                throw DICOMError.unsupportedTransferSyntax(uid: transferSyntax.uid, name: transferSyntax.name)
            }
        case .sequence:
            throw DICOMError.invalidValue(tag: .pixelData, reason: "pixel data is a sequence")
        }
    }
}

/// Splits encapsulated fragments into one byte stream per frame (PS3.5 A.4).
enum EncapsulatedFrames {
    static func split(table: ArraySlice<UInt8>, fragments: [ArraySlice<UInt8>], frames: Int,
                      syntax: TransferSyntax) throws -> [[ArraySlice<UInt8>]] {
        guard !fragments.isEmpty else {
            throw DICOMError.malformedSequence(tag: .pixelData, offset: 0, reason: "no fragments")
        }
        if frames == 1 { return [fragments] }
        if fragments.count == frames { return fragments.map { [$0] } }
        guard fragments.count > frames else {
            throw DICOMError.malformedSequence(tag: .pixelData, offset: 0,
                                               reason: "\(fragments.count) fragments for \(frames) frames")
        }
        // Basic Offset Table: byte offsets of each frame's first fragment item, from the first fragment item.
        if table.count == frames * 4 {
            var offsets = [Int]()
            var index = table.startIndex
            while index < table.endIndex {
                offsets.append(Int(UInt32(table[index]) | UInt32(table[index + 1]) << 8
                                   | UInt32(table[index + 2]) << 16 | UInt32(table[index + 3]) << 24))
                index += 4
            }
            var starts = [Int: Int]()  // item offset -> fragment index
            var position = 0
            for (k, fragment) in fragments.enumerated() {
                starts[position] = k
                position += 8 + fragment.count
            }
            var firstFragment = [Int]()
            for offset in offsets {
                guard let k = starts[offset], firstFragment.last.map({ k > $0 }) ?? true else {
                    throw DICOMError.malformedSequence(tag: .pixelData, offset: offset, reason: "bad offset table entry")
                }
                firstFragment.append(k)
            }
            return firstFragment.indices.map { f in
                let end = f + 1 < firstFragment.count ? firstFragment[f + 1] : fragments.count
                return Array(fragments[firstFragment[f]..<end])
            }
        }
        // No table: JPEG frames start with an SOI marker.
        var result = [[ArraySlice<UInt8>]]()
        for fragment in fragments {
            let startsFrame = fragment.count >= 2 && fragment[fragment.startIndex] == 0xFF
                && fragment[fragment.startIndex + 1] == 0xD8
            if startsFrame || result.isEmpty { result.append([fragment]) } else { result[result.count - 1].append(fragment) }
        }
        guard result.count == frames else {
            throw DICOMError.malformedSequence(tag: .pixelData, offset: 0, reason: "cannot find \(frames) frames in \(fragments.count) fragments")
        }
        return result
    }

    /// One frame's fragments as a contiguous byte array (no copy when there is one fragment).
    static func joined(_ stream: [ArraySlice<UInt8>]) -> ArraySlice<UInt8> {
        if stream.count == 1 { return stream[0] }
        var out = [UInt8]()
        out.reserveCapacity(stream.reduce(0) { $0 + $1.count })
        for fragment in stream { out.append(contentsOf: fragment) }
        return out[...]
    }
}
