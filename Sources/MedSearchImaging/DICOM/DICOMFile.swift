import Foundation
import MedSearchCore

/// A parsed DICOM file: file meta information (group 0002), the main data set and its transfer syntax.
///
/// ```swift
/// let file = try DICOMFile(contentsOf: url)
/// let pixels = try file.decodePixels()          // stored values, all frames
/// let image = try file.grayImage()              // rescaled, windowed, 0...1
/// ```
/// Reads Part 10 files with a preamble and meta group, and bare data sets without either (the transfer syntax
/// is then guessed from the first element: explicit or implicit VR, little or big endian).
@MemberwiseInit(.public)
public struct DICOMFile: Sendable {
    /// The file meta information (empty when the file has none).
    public var meta: DICOMDataset
    /// The main data set.
    public var dataset: DICOMDataset
    /// The transfer syntax the data set was encoded with.
    public var transferSyntax: TransferSyntax
    /// Whether the file started with a 128-byte preamble and `DICM`.
    public var hasPreamble: Bool = true
    /// The budget pixel decoding checks this file's declared sizes against (``decodePixels()``,
    /// ``decodeFrame(_:)``, ``colorFrame(_:)``, ``grayImage(frame:window:)``).
    public var limits: DecodeLimits = .default

    /// Reads and parses the file at `url` under `limits`.
    /// - Throws: ``DICOMError`` for malformed input; Foundation errors when the file cannot be read.
    public init(contentsOf url: URL, limits: DecodeLimits = .default) throws {
        try self.init(bytes: try DICOMFile.readBytes(url), limits: limits)
    }

    /// Reads a whole file into a byte array with one `read` into uninitialised storage.
    public static func readBytes(_ url: URL) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let descriptor = handle.fileDescriptor
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw CocoaError(.fileReadUnknown) }
        let size = Int(info.st_size)
        guard size > 0 else { return [] }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var done = 0
            while done < size {
                let got = read(descriptor, buffer.baseAddress! + done, size - done)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { break }
                done += got
            }
            if done < size { failed = done == 0 }
            count = done
        }
        if failed { throw CocoaError(.fileReadUnknown) }
        return bytes
    }

    /// Parses DICOM bytes.
    ///
    /// `limits` bounds what parsing may cost: a deflated data set is inflated to at most
    /// ``DecodeLimits/maxBytes`` (memory follows the real output, not a declared size), sequences nest at most
    /// ``DecodeLimits/maxNestingDepth`` levels, and every element length is checked against the bytes that remain
    /// before anything is sliced. The same limits are kept in ``limits`` for pixel decoding.
    /// - Throws: ``DICOMError``, ``DICOMError/limitExceeded(_:)`` beyond `limits`.
    public init(bytes: [UInt8], limits: DecodeLimits = .default) throws {
        self.limits = limits
        let parser = DICOMParser(bytes: bytes, limits: limits)
        var offset = 0
        hasPreamble = false
        if bytes.count >= 132, bytes[128] == 0x44, bytes[129] == 0x49, bytes[130] == 0x43, bytes[131] == 0x4D {
            hasPreamble = true
            offset = 132
        } else if bytes.count >= 4, bytes[0] == 0x44, bytes[1] == 0x49, bytes[2] == 0x43, bytes[3] == 0x4D {
            offset = 4  // "DICM" without the preamble
        }
        guard bytes.count - offset >= 8 else {
            throw DICOMError.notDICOM(reason: "\(bytes.count) bytes are too few for a data element")
        }
        // File meta information: explicit VR little endian, group 0002.
        meta = DICOMDataset()
        if parser.u16(offset, little: true) == 0x0002 {
            let (parsedMeta, next) = try parser.parseDataset(from: offset, end: bytes.count, explicit: true,
                                                             little: true, depth: 0, terminator: .groupChange(0x0002))
            meta = parsedMeta
            offset = next
        } else if hasPreamble {
            // A preamble without a meta group is tolerated; the syntax is guessed below.
        }
        let syntax: TransferSyntax
        if let uid = meta.string(.transferSyntaxUID), !uid.isEmpty {
            syntax = TransferSyntax.forUID(uid)
        } else if offset >= bytes.count {
            syntax = .explicitVRLittleEndian
        } else {
            syntax = try DICOMFile.guessSyntax(parser, at: offset)
        }
        transferSyntax = syntax

        if syntax.isDeflated {
            let inflated = try DICOMFile.inflate(bytes, from: offset, limits: limits)
            let inner = DICOMParser(bytes: inflated, limits: limits)
            dataset = try inner.parseDataset(from: 0, end: inflated.count, explicit: true, little: true, depth: 0,
                                             terminator: .end).0
        } else {
            dataset = try parser.parseDataset(from: offset, end: bytes.count, explicit: syntax.isExplicitVR,
                                              little: syntax.isLittleEndian, depth: 0, terminator: .end).0
        }
    }

    /// Inflates the deflated data set that starts at `offset` (raw DEFLATE, PS3.5 A.5), under `limits.maxBytes`.
    static func inflate(_ bytes: [UInt8], from offset: Int, limits: DecodeLimits) throws -> [UInt8] {
        do {
            return try bytes.withUnsafeBytesTyped { (buffer) throws(RasterError) -> [UInt8] in
                try Inflater.inflateAll(UnsafeRawBufferPointer(rebasing: buffer[offset...]), wrapping: .raw,
                                        limit: limits.maxBytes, what: "the inflated data set", format: "DICOM")
            }
        } catch RasterError.limitExceeded(let exceeded) {
            throw DICOMError.limitExceeded(exceeded)
        } catch {
            throw DICOMError.deflateError(reason: "\(error)")
        }
    }

    /// Guesses the encoding of a data set without meta information from its first element.
    static func guessSyntax(_ parser: DICOMParser, at offset: Int) throws -> TransferSyntax {
        let bytes = parser.bytes
        guard bytes.count - offset >= 8 else {
            throw DICOMError.notDICOM(reason: "too short for a data element")
        }
        let littleGroup = parser.u16(offset, little: true)
        let bigGroup = parser.u16(offset, little: false)
        let plausible: (UInt16) -> Bool = { $0 >= 0x0002 && $0 <= 0x00FF && $0 % 2 == 0 }
        let explicit = DICOMVR(byte0: bytes[offset + 4], byte1: bytes[offset + 5]) != nil
        if plausible(littleGroup) {
            return explicit ? .explicitVRLittleEndian : .implicitVRLittleEndian
        }
        if plausible(bigGroup), explicit {
            return .explicitVRBigEndian
        }
        throw DICOMError.notDICOM(reason: "no preamble, no meta group and no recognisable first element")
    }

    /// The SOP Class UID, Modality and other common attributes are read from ``dataset``; this is the meta
    /// group's transfer syntax UID if present, else the guessed one, or nil for bare data sets.
    public var transferSyntaxUID: String? {
        meta.string(.transferSyntaxUID).flatMap { $0.isEmpty ? nil : $0 }
    }
}
