import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging

/// How images become FNN's integer vectors: raw pixels quantised to 0...255 (the paper's choice) or any feature
/// of the features target in fixed point (`round(x * scale)`, at most `maxAbs` in magnitude).
@MemberwiseInit(.public)
public struct FNNVectorizer: Codable, Equatable, Sendable {
    /// The feature name (`pixels`, `stats`, `lbp`, `hog`, ...).
    public var feature: String
    /// The image side the feature resizes to.
    public var side: Int
    /// Fixed-point scale for non-pixel features.
    public var scale: Int
    /// The largest coordinate magnitude.
    public var maxAbs: Int64

    /// The vectorizer's file name in a key directory.
    public static let fileName = "fnn-vectorizer.json"

    /// The feature model this vectorizer extracts with.
    public func model() throws -> FeatureModel {
        var options = FeatureOptions()
        options.side = side
        return try FeatureRegistry.make(feature, options: options)
    }

    /// The vector length.
    public var dimension: Int { get throws { try model().dimension } }

    /// The integer vector of an image file.
    public func vector(of url: URL, model: FeatureModel) throws -> [Int64] {
        let image = try ImageLoader.load(url).grayImage()
        return try vector(of: image, model: model)
    }

    /// The integer vector of an analysis image.
    public func vector(of image: GrayImage, model: FeatureModel) throws -> [Int64] {
        let values = model.extract(image)
        let factor = feature == "pixels" ? 255.0 : Double(scale)
        return try values.enumerated().map { index, value in
            var scaled = (Double(value) * factor).rounded()
            // Resampling (Lanczos) can overshoot 0...1 slightly: pixels are clamped to the 8-bit range.
            if feature == "pixels" { scaled = min(255, max(0, scaled)) }
            guard scaled.isFinite, abs(scaled) <= Double(maxAbs) else {
                throw MedSearchClientError.invalidInput("coordinate \(index) of the \(feature) vector exceeds --max-abs \(maxAbs) after scaling")
            }
            return Int64(scaled)
        }
    }

    /// Writes the vectorizer as JSON into a key directory.
    public func write(to directory: URL) throws {
        let data = try JSONEncoder().encode(self)
        try data.write(to: directory.appendingPathComponent(Self.fileName))
    }

    /// Reads the vectorizer of a key directory.
    public static func load(from directory: URL) throws -> FNNVectorizer {
        let url = directory.appendingPathComponent(fileName)
        do { return try JSONDecoder().decode(FNNVectorizer.self, from: Data(contentsOf: url)) } catch {
            throw MedSearchClientError.unreadableFile(path: url.path, hint: "\(error)")
        }
    }
}
