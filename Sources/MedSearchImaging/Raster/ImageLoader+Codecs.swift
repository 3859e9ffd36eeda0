// Bridges from ImageLoader to the JPEG and DICOM decoders of this module.

extension ImageLoader {
    static func decodeJPEG(_ bytes: [UInt8]) throws -> PixelBuffer {
        try JPEGDecoder.decode(bytes)
    }

    static func decodeDICOM(_ bytes: [UInt8]) throws -> PixelBuffer {
        try DICOMFile(bytes: bytes).decodePixels()
    }
}
