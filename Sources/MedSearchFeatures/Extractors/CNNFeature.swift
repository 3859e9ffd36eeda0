import MedSearchCore
import MedSearchImaging

/// The `cnn` feature: the L2-normalised embedding of a ``CNNModel`` (small convolutional network, inference in
/// Swift). The image is centre-cropped to a square and resized (area averaging / Lanczos) to the network's input
/// side. The whole network is stored in the ``FeatureModel``, so an index always queries with its own weights.
public struct CNNFeature: FeatureExtractor {
    public static let kind = "cnn"
    /// The network.
    public let model: CNNModel

    /// Wraps a network.
    public init(model: CNNModel) { self.model = model }

    /// The bundled network `name` (see ``CNNModel/bundledNames``).
    /// - Throws: ``FeaturesError/unavailable(name:reason:)`` when it is not bundled or cannot be read.
    public init(bundled name: String) throws(FeaturesError) {
        do { model = try CNNModel.bundled(named: name) } catch {
            throw .unavailable(name: "cnn", reason: "\(error)")
        }
    }

    public var dimension: Int { model.embeddingDimension }
    public var metric: FeatureMetric { .squaredEuclidean }
    public var summary: String { "cnn \(model.name) (\(model.inputSide)x\(model.inputSide) input, \(dimension) dimensions)" }

    public func extract(_ image: GrayImage) -> [Float] {
        let input = image.centerCroppedToSquare().resized(rows: model.inputSide, columns: model.inputSide)
        // The input has exactly the expected size, the only error embed can report.
        return (try? model.embed(input)) ?? [Float](repeating: 0, count: dimension)
    }

    public func encodeParameters(to writer: inout ByteWriter) { writer.writeBytes(model.serialized()) }

    public static func decodeParameters(from reader: inout ByteReader) throws -> CNNFeature {
        CNNFeature(model: try CNNModel(serialized: try reader.readBytes(maxLength: 64 << 20)))
    }
}
