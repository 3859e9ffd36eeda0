import MedSearchCore
import MedSearchImaging

/// Turns an analysis image into a fixed-length feature vector.
///
/// Every extractor is a value that carries all its parameters (and any learned state), can be written to and
/// read back from a versioned ``FeatureModel``, and is selected by its registry ``kind`` (see
/// ``FeatureRegistry``). Extractors accept a ``GrayImage`` of any size and resample it themselves.
public protocol FeatureExtractor: Sendable {
    /// The registry name (`pixels`, `stats`, `lbp`, `hog`, `hash`, ...).
    static var kind: String { get }
    /// Length of the vectors ``extract(_:)`` returns.
    var dimension: Int { get }
    /// The distance that ranks this feature's vectors.
    var metric: FeatureMetric { get }
    /// One line describing the parameters (for tables and logs).
    var summary: String { get }
    /// The feature vector of `image`.
    func extract(_ image: GrayImage) -> [Float]
    /// Writes the parameters and learned state (not the kind, not a header).
    func encodeParameters(to writer: inout ByteWriter)
    /// Reads what ``encodeParameters(to:)`` wrote.
    static func decodeParameters(from reader: inout ByteReader) throws -> Self
}

/// How vectors of a feature are compared.
public enum FeatureMetric: String, Sendable, Equatable, Codable {
    /// Squared Euclidean distance, smaller is more similar.
    case squaredEuclidean
    /// Inner product, larger is more similar.
    case innerProduct
    /// Hamming distance between binary codes (vectors of 0/1), smaller is more similar.
    case hamming
}
