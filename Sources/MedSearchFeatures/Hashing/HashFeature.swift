import MedSearchCore
import MedSearchImaging

/// The `hash` feature: an ``ITQ`` binary code of `bits` bits (16...256) computed from a base feature.
///
/// ``extract(_:)`` returns the code as 0/1 floats (squared Euclidean distance between such vectors equals the
/// Hamming distance); ``hashcode(_:)`` returns it bit-packed. The base feature and the learnt ITQ map are stored
/// in the ``FeatureModel``, so queries are encoded exactly as the database was.
public struct HashFeature: FeatureExtractor {
    public static let kind = "hash"
    /// The feature the code is computed from.
    public let base: FeatureModel
    /// The learnt map.
    public let itq: ITQ

    /// Creates the feature from a trained map.
    ///
    /// - Throws: ``FeaturesError`` when the map's input dimension is not the base feature's dimension or the
    ///   bit count is outside 16...256.
    public init(base: FeatureModel, itq: ITQ) throws(FeaturesError) {
        guard Hashcode.supportedBitCounts.contains(itq.bits) else {
            throw .invalidParameter(name: "bits", reason: "\(itq.bits) not in 16...256")
        }
        guard itq.inputDimension == base.dimension else {
            throw .dimensionMismatch(expected: base.dimension, actual: itq.inputDimension)
        }
        self.base = base
        self.itq = itq
    }

    /// Trains the code on `images` with the given base feature.
    public static func train(base: FeatureModel, images: [GrayImage], bits: Int, iterations: Int = 50,
                             seed: UInt64 = 0x1710_2011) throws(FeaturesError) -> HashFeature {
        guard Hashcode.supportedBitCounts.contains(bits) else { throw .invalidParameter(name: "bits", reason: "\(bits) not in 16...256") }
        let vectors = Parallel.map(count: images.count) { base.extract(images[$0]) }
        return try HashFeature(base: base, itq: try ITQ.train(vectors, bits: bits, iterations: iterations, seed: seed))
    }

    /// Code length.
    public var bits: Int { itq.bits }
    public var dimension: Int { itq.bits }
    public var metric: FeatureMetric { .hamming }
    public var summary: String { "hash ITQ \(bits) bits over \(base.summary)" }

    /// The packed code of `image`.
    public func hashcode(_ image: GrayImage) -> Hashcode { itq.encode(base.extract(image)) }

    /// The packed code of a vector of the base feature.
    public func hashcode(baseVector: [Float]) -> Hashcode { itq.encode(baseVector) }

    public func extract(_ image: GrayImage) -> [Float] { hashcode(image).bits.map(Float.init) }

    public func encodeParameters(to writer: inout ByteWriter) {
        writer.writeBytes(base.serialized())
        itq.write(to: &writer)
    }

    public static func decodeParameters(from reader: inout ByteReader) throws -> HashFeature {
        let baseBytes = try reader.readBytes(maxLength: 64 << 20)
        let base = try FeatureModel(serialized: baseBytes)
        return try HashFeature(base: base, itq: try ITQ.read(from: &reader))
    }
}
