import MedSearchCore
import MedSearchImaging

/// The `stats` feature: `[mean, population standard deviation]` of the `pixels` vector at `side`.
public struct StatsFeature: FeatureExtractor, Equatable {
    public static let kind = "stats"
    /// Side of the square the image is resized to before the statistics are taken.
    public var side: Int

    /// Creates the feature.
    /// - Throws: ``FeaturesError/invalidParameter(name:reason:)`` unless 1 <= side <= 1024.
    public init(side: Int = 32) throws {
        guard (1...1024).contains(side) else { throw FeaturesError.invalidParameter(name: "side", reason: "\(side) not in 1...1024") }
        self.side = side
    }

    public var dimension: Int { 2 }
    public var metric: FeatureMetric { .squaredEuclidean }
    public var summary: String { "stats (mean, std) of \(side)x\(side) pixels" }

    public func extract(_ image: GrayImage) -> [Float] {
        let stats = VectorStatistics(of: image.resized(rows: side, columns: side).values)
        return [Float(stats.mean), Float(stats.standardDeviation)]
    }

    public func encodeParameters(to writer: inout ByteWriter) { writer.write(UInt32(side)) }

    public static func decodeParameters(from reader: inout ByteReader) throws -> StatsFeature {
        try StatsFeature(side: Int(try reader.read(UInt32.self)))
    }
}
