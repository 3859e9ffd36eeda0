import Foundation
import MedSearchCore

/// A VOI window (PS3.3 C.11.2.1.2): centre, width and the function that maps values inside it.
@MemberwiseInit(.public)
public struct VOIWindow: Sendable, Equatable {
    /// The VOI LUT function.
    public enum Function: String, Sendable, Equatable {
        /// LINEAR (the default, with the standard's half-unit offsets).
        case linear = "LINEAR"
        /// LINEAR_EXACT.
        case linearExact = "LINEAR_EXACT"
        /// SIGMOID.
        case sigmoid = "SIGMOID"
    }
    /// Window centre.
    public var center: Double
    /// Window width (at least 1).
    public var width: Double
    /// The function.
    public var function: Function = .linear

    /// Maps a modality value to 0...1.
    @inlinable public func apply(_ x: Double) -> Double {
        switch function {
        case .linear:
            let w = max(width, 1)
            if x <= center - 0.5 - (w - 1) / 2 { return 0 }
            if x > center - 0.5 + (w - 1) / 2 { return 1 }
            return w == 1 ? 1 : (x - (center - 0.5)) / (w - 1) + 0.5
        case .linearExact:
            let w = max(width, Double.leastNonzeroMagnitude)
            return min(max((x - center) / w + 0.5, 0), 1)
        case .sigmoid:
            return 1 / (1 + exp(-4 * (x - center) / max(width, Double.leastNonzeroMagnitude)))
        }
    }
}

/// The Modality LUT: Rescale Slope/Intercept, or a Modality LUT Sequence table.
public enum ModalityTransform: Sendable, Equatable {
    /// `value * slope + intercept`.
    case rescale(slope: Double, intercept: Double)
    /// A lookup table: `table[clamp(value - firstMapped)]`.
    case table(firstMapped: Int, values: [Double])

    /// Applies the transform to a stored value.
    @inlinable public func apply(_ stored: Int32) -> Double {
        switch self {
        case .rescale(let slope, let intercept):
            return Double(stored) * slope + intercept
        case .table(let first, let values):
            let index = min(max(Int(stored) - first, 0), values.count - 1)
            return values[index]
        }
    }
}

/// Display conversion: Modality LUT, VOI window, MONOCHROME1 inversion, palette colour and YBR to RGB.
extension DICOMFile {
    /// The Modality LUT of the image (identity rescale when the file has none).
    /// - Throws: ``DICOMError/invalidValue(tag:reason:)`` on malformed values.
    public func modalityTransform() throws -> ModalityTransform {
        if let item = dataset.items(.modalityLUTSequence)?.first {
            let descriptor = try item.integers(.lutDescriptor)
            guard descriptor.count == 3 else {
                throw DICOMError.invalidValue(tag: .lutDescriptor, reason: "expected 3 values")
            }
            let entries = descriptor[0] == 0 ? 65536 : descriptor[0]
            var first = descriptor[1]
            if first > 32767, (try? item.integers(.pixelRepresentation))?.first == nil,
               (try dataset.integer(.pixelRepresentation)) == 1 {
                first -= 65536  // a signed first-mapped value written as US
            }
            let data = try item.integers(.lutData)
            guard data.count >= entries else {
                throw DICOMError.invalidValue(tag: .lutData, reason: "\(data.count) entries, expected \(entries)")
            }
            return .table(firstMapped: first, values: data.prefix(entries).map(Double.init))
        }
        let slope = try dataset.doubles(.rescaleSlope).first ?? 1
        let intercept = try dataset.doubles(.rescaleIntercept).first ?? 0
        return .rescale(slope: slope, intercept: intercept)
    }

    /// The first VOI window stored in the file, if any.
    /// - Throws: ``DICOMError/invalidValue(tag:reason:)`` on non-numeric values.
    public func storedWindow() throws -> VOIWindow? {
        guard let center = try dataset.doubles(.windowCenter).first,
              let width = try dataset.doubles(.windowWidth).first, width > 0 else { return nil }
        let function = dataset.string(.voiLUTFunction).flatMap(VOIWindow.Function.init(rawValue:)) ?? .linear
        return VOIWindow(center: center, width: width, function: function)
    }

    /// One frame as RGB samples (8 or 16 bit): palette colour looked up, YBR_FULL converted, RGB as is.
    /// Monochrome images are returned unchanged.
    /// - Throws: ``DICOMError``.
    public func colorFrame(_ index: Int = 0) throws -> PixelBuffer {
        var buffer = try decodeFrame(index)
        switch buffer.photometric {
        case .paletteColor:
            buffer = try applyPalette(buffer)
        case .ybrFull, .ybrFull422:
            buffer = Self.ybrToRGB(buffer)
        default:
            break
        }
        return buffer
    }

    /// The analysis form of one frame: Modality LUT, then the VOI window (the given one, else the file's, else the
    /// frame's full modality range), MONOCHROME1 inverted; colour becomes Rec. 601 luma. Values in 0...1.
    /// - Throws: ``DICOMError``.
    public func grayImage(frame index: Int = 0, window: VOIWindow? = nil) throws -> GrayImage {
        let buffer = try colorFrame(index)
        let pixels = buffer.rows * buffer.columns
        var values = [Float](repeating: 0, count: pixels)
        if buffer.samplesPerPixel == 3 {
            let maximum = Float((1 << buffer.bitsStored) - 1)
            buffer.samples.withUnsafeBufferPointer { s in
                for p in 0..<pixels {
                    let luma = 0.299 * Float(s[3 * p]) + 0.587 * Float(s[3 * p + 1]) + 0.114 * Float(s[3 * p + 2])
                    values[p] = min(max(luma / maximum, 0), 1)
                }
            }
            return GrayImage(rows: buffer.rows, columns: buffer.columns, values: values)
        }
        let modality = try modalityTransform()
        // Two passes over the samples (range, then values) rather than a Double copy of the frame.
        var low = Double.infinity, high = -Double.infinity
        buffer.samples.withUnsafeBufferPointer { s in
            for p in 0..<pixels {
                let v = modality.apply(s[p])
                low = min(low, v)
                high = max(high, v)
            }
        }
        let voi = try window ?? storedWindow()
            ?? VOIWindow(center: (low + high) / 2, width: max(high - low, 1), function: .linearExact)
        let invert = buffer.photometric == .monochrome1
        buffer.samples.withUnsafeBufferPointer { s in
            values.withUnsafeMutableBufferPointer { out in
                for p in 0..<pixels {
                    let v = Float(voi.apply(modality.apply(s[p])))
                    out[p] = invert ? 1 - v : v
                }
            }
        }
        return GrayImage(rows: buffer.rows, columns: buffer.columns, values: values)
    }

    /// Looks up palette indices in the Red/Green/Blue Palette Color LUTs (PS3.3 C.7.6.3.1.5).
    func applyPalette(_ buffer: PixelBuffer) throws -> PixelBuffer {
        guard buffer.samplesPerPixel == 1 else {
            throw DICOMError.unsupportedPixelFormat(reason: "palette colour with \(buffer.samplesPerPixel) samples")
        }
        let channels: [(DICOMTag, DICOMTag)] = [(.redPaletteDescriptor, .redPaletteData),
                                                (.greenPaletteDescriptor, .greenPaletteData),
                                                (.bluePaletteDescriptor, .bluePaletteData)]
        var tables = [[Int32]]()
        var bits = 8
        var firstMapped = 0
        for (descriptorTag, dataTag) in channels {
            let descriptor = try dataset.integers(descriptorTag)
            guard descriptor.count == 3 else {
                throw dataset.contains(DICOMTag(0x0028, 0x1221))
                    ? DICOMError.unsupportedPixelFormat(reason: "segmented palette colour LUTs")
                    : DICOMError.missingAttribute(tag: descriptorTag)
            }
            let entries = descriptor[0] == 0 ? 65536 : descriptor[0]
            firstMapped = descriptor[1]
            bits = descriptor[2]
            guard bits == 8 || bits == 16 else {
                throw DICOMError.invalidValue(tag: descriptorTag, reason: "\(bits) bits per entry")
            }
            guard let raw = dataset[dataTag]?.bytes else { throw DICOMError.missingAttribute(tag: dataTag) }
            var table = [Int32]()
            if bits == 8 && raw.count == entries {
                table = raw.map { Int32($0) }
            } else {
                guard raw.count >= entries * 2 else {
                    throw DICOMError.invalidValue(tag: dataTag, reason: "\(raw.count) bytes for \(entries) entries")
                }
                let little = dataset.isLittleEndian
                var i = raw.startIndex
                for _ in 0..<entries {
                    let word = little ? Int32(raw[i]) | Int32(raw[i + 1]) << 8 : Int32(raw[i]) << 8 | Int32(raw[i + 1])
                    table.append(bits == 8 ? word & 0xFF : word)
                    i += 2
                }
            }
            tables.append(table)
        }
        let pixels = buffer.rows * buffer.columns
        var samples = [Int32](repeating: 0, count: pixels * 3)
        for p in 0..<pixels {
            for c in 0..<3 {
                let table = tables[c]
                let index = min(max(Int(buffer.samples[p]) - firstMapped, 0), table.count - 1)
                samples[3 * p + c] = table[index]
            }
        }
        return PixelBuffer(rows: buffer.rows, columns: buffer.columns, samplesPerPixel: 3, bitsAllocated: bits,
                           bitsStored: bits, photometric: .rgb, samples: samples)
    }

    /// YCbCr (full range, PS3.3 C.7.6.3.1.2) to RGB, with the standard's exact coefficients
    /// (G = Y - 0.114 x 1.772 / 0.587 Cb - 0.299 x 1.402 / 0.587 Cr), rounded half up as pydicom does.
    static func ybrToRGB(_ buffer: PixelBuffer) -> PixelBuffer {
        var out = buffer
        let maximum = Float((1 << buffer.bitsStored) - 1)
        let half = Float(1 << (buffer.bitsStored - 1))
        let count = buffer.samples.count / 3
        let cbToG: Float = -0.114 * 1.772 / 0.587, crToG: Float = -0.299 * 1.402 / 0.587
        out.samples.withUnsafeMutableBufferPointer { s in
            for p in 0..<count {
                let y = Float(s[3 * p]), cb = Float(s[3 * p + 1]) - half, cr = Float(s[3 * p + 2]) - half
                let r = y + 1.402 * cr
                let g = y + cbToG * cb + crToG * cr
                let b = y + 1.772 * cb
                s[3 * p] = Int32(min(max((r + 0.5).rounded(.down), 0), maximum))
                s[3 * p + 1] = Int32(min(max((g + 0.5).rounded(.down), 0), maximum))
                s[3 * p + 2] = Int32(min(max((b + 0.5).rounded(.down), 0), maximum))
            }
        }
        out.photometric = .rgb
        return out
    }
}
