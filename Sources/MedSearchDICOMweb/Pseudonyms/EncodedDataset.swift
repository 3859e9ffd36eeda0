import MedSearchCore
import MedSearchImaging

/// A DICOM data set held inside a MedSearch binary format (``IdentityRecord``, the web application's DICOMweb
/// catalog entries): a length-prefixed byte string holding the data set as a Part 10 stream in explicit VR little
/// endian with an empty meta group.
///
/// The stream is written when the value is made (where a value that cannot be written is refused), so encoding a
/// format that holds it cannot fail; read back, the bytes are kept as they were.
public struct EncodedDataset: Sendable, Equatable {
    /// The data set.
    public let dataset: DICOMDataset
    /// Its Part 10 stream.
    public let part10: [UInt8]

    /// Writes `dataset` as a Part 10 stream.
    /// - Throws: ``DICOMError/cannotWrite(reason:)`` when a value cannot be written.
    public init(_ dataset: DICOMDataset) throws {
        self.dataset = dataset
        part10 = try DICOMWriter.write(DICOMFile(meta: DICOMDataset(), dataset: dataset, transferSyntax: .explicitVRLittleEndian))
    }

    /// Reads a data set written by ``write(to:)``, at most `maxLength` bytes; a stream that does not parse is
    /// ``WireError/invalidValue(offset:reason:)``.
    public init(from reader: inout ByteReader, maxLength: Int) throws(WireError) {
        let start = reader.offset
        let bytes = try reader.readBytes(maxLength: maxLength)
        dataset = try WireError.validating(at: start) { try DICOMFile(bytes: bytes).dataset }
        part10 = bytes
    }

    /// Writes the stream as a length-prefixed byte string.
    public func write(to writer: inout ByteWriter) { writer.writeBytes(part10) }

    /// Equal when the data sets are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.dataset == rhs.dataset }
}
