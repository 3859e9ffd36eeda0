import MedSearchCore
import MedSearchImaging

/// A feature extractor with all its parameters and learnt state, versioned and serialisable, so an index stores
/// the model it was built with and queries are always encoded by the same model.
///
/// Format: `"FEAT"` version 1, the kind as a string, then the extractor's parameters
/// as a length-prefixed byte string.
///
/// ```swift
/// let model = try FeatureRegistry.make("lbp")
/// let bytes = model.serialized()             // store beside the index
/// let same = try FeatureModel(serialized: bytes)
/// let vector = same.extract(image)
/// ```
public struct FeatureModel: Sendable, CustomStringConvertible {
    /// How deeply models may nest (a hash over a PCA over a CNN is depth 3).
    static let maximumNesting = 4

    /// The extractor.
    public let extractor: any FeatureExtractor

    /// Wraps an extractor.
    public init(_ extractor: any FeatureExtractor) {
        self.extractor = extractor
    }

    /// Nesting depth of the model being decoded (bounds recursion on hostile input).
    @TaskLocal static var decodingDepth = 0

    /// The registry name of the extractor.
    public var kind: String { type(of: extractor).kind }
    /// Length of the feature vectors.
    public var dimension: Int { extractor.dimension }
    /// The distance that ranks this feature.
    public var metric: FeatureMetric { extractor.metric }
    /// One line describing the parameters.
    public var summary: String { extractor.summary }
    public var description: String { "FeatureModel(\(summary))" }

    /// A short fingerprint of the serialised model (64-bit FNV-1a, hex): equal models have equal fingerprints,
    /// so a query can be checked against the model an index was built with. Not a cryptographic hash.
    public var fingerprint: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in serialized() {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Hex.encode(withUnsafeBytes(of: hash.bigEndian) { Array($0) })
    }

    /// The feature vector of `image`.
    public func extract(_ image: GrayImage) -> [Float] { extractor.extract(image) }

    /// The packed hashcode of `image` when this is a `hash` model, else nil.
    public func hashcode(_ image: GrayImage) -> Hashcode? { (extractor as? HashFeature)?.hashcode(image) }
}

extension FeatureModel: Equatable {
    /// Models are equal when their serialised forms are.
    public static func == (lhs: FeatureModel, rhs: FeatureModel) -> Bool { lhs.serialized() == rhs.serialized() }
}

extension FeatureModel: WireMessage {
    public static let magic = FormatMagic("FEAT")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.writeString(kind)
        var parameters = ByteWriter()
        extractor.encodeParameters(to: &parameters)
        writer.writeBytes(parameters.bytes)
    }

    /// Reads a model: its kind must be registered and its parameters valid (models nest at most 4 deep).
    ///
    /// - Throws: ``WireError``; an unknown kind or invalid parameters are ``WireError/invalidValue(offset:reason:)``
    ///   with the ``FeaturesError`` as reason.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let depth = Self.decodingDepth
        guard depth < Self.maximumNesting else { throw .invalidValue(offset: start, reason: "models nested too deeply") }
        let kind = try reader.readString(maxLength: 64)
        let parametersOffset = reader.offset
        var inner = ByteReader(try reader.readBytes())
        extractor = try WireError.validating(at: parametersOffset) {
            let extractor = try Self.$decodingDepth.withValue(depth + 1) {
                try FeatureRegistry.decode(kind: kind, from: &inner)
            }
            try inner.expectEnd()
            return extractor
        }
    }
}
