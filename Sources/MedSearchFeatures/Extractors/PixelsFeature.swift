import MedSearchCore
import MedSearchImaging

/// The `pixels` feature: the image resized (area averaging / Lanczos) to `side` x `side`, as a row-major vector,
/// optionally z-normalised (minus its mean, divided by its population standard deviation).
public struct PixelsFeature: FeatureExtractor, Equatable {
    public static let kind = "pixels"
    /// Side of the square the image is resized to.
    public var side: Int
    /// Whether each vector is z-normalised.
    public var zNormalize: Bool

    /// Creates the feature.
    /// - Throws: ``FeaturesError/invalidParameter(name:reason:)`` unless 1 <= side <= 1024.
    public init(side: Int = 32, zNormalize: Bool = false) throws {
        guard (1...1024).contains(side) else { throw FeaturesError.invalidParameter(name: "side", reason: "\(side) not in 1...1024") }
        self.side = side
        self.zNormalize = zNormalize
    }

    public var dimension: Int { side * side }
    public var metric: FeatureMetric { .squaredEuclidean }
    public var summary: String { "pixels \(side)x\(side)\(zNormalize ? " z-normalised" : "")" }

    public func extract(_ image: GrayImage) -> [Float] {
        var values = image.resized(rows: side, columns: side).values
        if zNormalize {
            let stats = VectorStatistics(of: values)
            let scale = stats.standardDeviation > 1e-12 ? Float(1 / stats.standardDeviation) : 0
            let mean = Float(stats.mean)
            for i in values.indices { values[i] = (values[i] - mean) * scale }
        }
        return values
    }

    public func encodeParameters(to writer: inout ByteWriter) {
        writer.write(UInt32(side))
        writer.write(zNormalize)
    }

    public static func decodeParameters(from reader: inout ByteReader) throws -> PixelsFeature {
        let side = Int(try reader.read(UInt32.self))
        return try PixelsFeature(side: side, zNormalize: try reader.readBool())
    }
}
