import Foundation
import MedSearchFeatures
import MedSearchImaging
import MedSearchTrustMed

/// A folder of images for TrustMedSearch: `images/<id>.<png|jpg|dcm>` and optionally `labels.csv` with columns
/// `id` and `labels` (labels separated by `|`), as in ../shared/data/cxr-public and the demo data.
public struct TrustMedDataset: Sendable {
    /// One image of the folder.
    public typealias Entry = LabelledImageFolder.Entry

    /// The images, sorted by id.
    public let entries: [Entry]

    /// Lists the images of `directory` (sorted by id) whose ids are valid record ids, with labels when
    /// `labels.csv` exists.
    public static func load(_ directory: URL, limit: Int? = nil) throws -> TrustMedDataset {
        TrustMedDataset(entries: try LabelledImageFolder.load(directory, limit: limit, accepting: RecordID.isValid).entries)
    }

    /// Decodes an image file into the analysis form features are computed on.
    public static func grayImage(_ bytes: [UInt8]) throws -> GrayImage {
        try ImageLoader.decode(bytes).grayImage()
    }
}

/// The client side's hash model (`hash.model` beside `client.key`): an ITQ code over a base feature, trained
/// by the owner and shared with the clinicians it authorises, so queries are hashed exactly as the database.
public enum TrustMedHashing {
    /// The default base feature: `hog`, the best base measured honestly on cxr-public (leave-one-out, features
    /// without training on the queries; see docs/trustmed.md). `cnn` ranks higher there only because its bundled
    /// weights were trained on those very images.
    public static let defaultBase = "hog"

    /// Trains a hash model on `images`.
    public static func train(images: [GrayImage], bits: Int, base: String) throws -> FeatureModel {
        var options = FeatureOptions()
        options.bits = bits
        options.hashBase = base
        return try FeatureRegistry.make("hash", options: options, training: images)
    }

    /// The 0/1 bits of an image's hashcode.
    public static func bits(of image: GrayImage, model: FeatureModel) throws -> [UInt8] {
        guard let code = model.hashcode(image) else { throw TrustMedError.invalidParameter("the model is not a hash model") }
        return code.bits
    }
}
