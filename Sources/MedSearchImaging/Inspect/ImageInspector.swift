import Crypto
import Foundation
import MedSearchCore

/// Produces an ``InspectReport`` for a DICOM, PNG or JPEG file.
public enum ImageInspector {
    /// Why a file could not be inspected: the decoder's error, wrapped with nothing sensitive.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// A DICOM reading or decoding error.
        case dicom(DICOMError)
        /// A JPEG decoding error.
        case jpeg(JPEGError)
        /// A PNG decoding error.
        case raster(RasterError)

        public var description: String {
            switch self {
            case .dicom(let error): error.description
            case .jpeg(let error): error.description
            case .raster(let error): error.description
            }
        }
    }

    /// Inspects the file at `url`, decoding under `limits`.
    /// - Throws: ``Failure``, or a Foundation error when the file cannot be read.
    public static func inspect(fileAt url: URL, limits: DecodeLimits = .default) throws -> InspectReport {
        try inspect(bytes: DICOMFile.readBytes(url), limits: limits)
    }

    /// Inspects bytes, recognising PNG and JPEG by their signatures and reading anything else as DICOM.
    ///
    /// Only the first frame is decoded, under `limits` (a header declaring more is refused before anything of
    /// that size is allocated).
    /// - Throws: ``Failure``.
    public static func inspect(bytes: [UInt8], limits: DecodeLimits = .default) throws -> InspectReport {
        if bytes.count >= 8, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 {
            let buffer: PixelBuffer
            do { buffer = try PNGDecoder.decode(bytes, limits: limits) } catch { throw Failure.raster(error) }
            return rasterReport(format: "png", buffer)
        }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            let buffer: PixelBuffer
            do {
                buffer = try JPEGDecoder.decode(bytes, limits: limits)
            } catch let error as JPEGError {
                throw Failure.jpeg(error)
            }
            return rasterReport(format: "jpeg", buffer)
        }
        do {
            return try dicomReport(DICOMFile(bytes: bytes, limits: limits))
        } catch let error as DICOMError {
            throw Failure.dicom(error)
        }
    }

    /// The report of a parsed DICOM file (decodes the first frame when there is pixel data).
    /// - Throws: ``DICOMError``.
    public static func dicomReport(_ file: DICOMFile) throws -> InspectReport {
        var report = InspectReport(format: "dicom", transferSyntax: file.transferSyntaxUID,
                                   modality: file.dataset.string(.modality).flatMap { $0.isEmpty ? nil : $0 })
        guard file.hasPixelData else { return report }
        let attributes = try file.pixelAttributes()
        report.rows = attributes.rows
        report.columns = attributes.columns
        report.frames = attributes.frames
        report.bitsAllocated = attributes.bitsAllocated
        report.samplesPerPixel = attributes.samplesPerPixel
        report.photometric = attributes.photometricName
        let first = try file.decodeFrame(0)
        let summary = pixelSummary(first, frame: 0)
        report.pixelMin = summary.min
        report.pixelMax = summary.max
        report.pixelSHA256 = summary.sha256
        return report
    }

    static func rasterReport(format: String, _ buffer: PixelBuffer) -> InspectReport {
        let summary = pixelSummary(buffer, frame: 0)
        return InspectReport(format: format, rows: buffer.rows, columns: buffer.columns, frames: buffer.frames,
                             bitsAllocated: buffer.bitsAllocated, samplesPerPixel: buffer.samplesPerPixel,
                             photometric: buffer.photometric.rawValue, pixelMin: summary.min, pixelMax: summary.max,
                             pixelSHA256: summary.sha256)
    }

    /// Minimum, maximum and SHA-256 (lowercase hex) of one frame's stored values, serialised as the type
    /// ``InspectReport`` describes.
    public static func pixelSummary(_ buffer: PixelBuffer, frame: Int) -> (min: Int?, max: Int?, sha256: String) {
        let values = buffer.frame(frame)
        let width = buffer.bitsAllocated <= 8 ? 1 : (buffer.bitsAllocated <= 16 ? 2 : 4)
        var minimum = Int32.max, maximum = Int32.min
        let bytes = [UInt8](unsafeUninitializedCapacity: values.count * width) { out, initialized in
            values.withUnsafeBufferPointer { src in
                for i in 0..<src.count {
                    let v = src[i]
                    minimum = Swift.min(minimum, v)
                    maximum = Swift.max(maximum, v)
                    // Little-endian, `width` bytes per value.
                    for b in 0..<width { out[width * i + b] = UInt8(truncatingIfNeeded: v >> (8 * b)) }
                }
            }
            initialized = values.count * width
        }
        let digest = SHA256.hash(data: bytes)
        let isEmpty = values.isEmpty
        return (isEmpty ? nil : Int(minimum), isEmpty ? nil : Int(maximum), Hex.encode(digest))
    }
}
