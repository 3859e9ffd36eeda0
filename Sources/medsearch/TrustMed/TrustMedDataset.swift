import Foundation
import MedSearchFeatures
import MedSearchImaging
import MedSearchTrustMed

/// A folder of images for TrustMedSearch: `images/<id>.<png|jpg|dcm>` and optionally `labels.csv` with columns
/// `id` and `labels` (labels separated by `|`), as in ../shared/data/cxr-public and the demo data.
struct TrustMedDataset {
    struct Entry {
        let id: String
        let url: URL
        let labels: Set<String>
    }

    let entries: [Entry]

    /// Lists the images of `directory` (sorted by id), with labels when `labels.csv` exists.
    static func load(_ directory: URL, limit: Int? = nil) throws -> TrustMedDataset {
        let imagesDirectory = directory.appendingPathComponent("images")
        let folder = FileManager.default.fileExists(atPath: imagesDirectory.path) ? imagesDirectory : directory
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { ["png", "jpg", "jpeg", "dcm"].contains($0.pathExtension.lowercased()) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var labels: [String: Set<String>] = [:]
        let csv = directory.appendingPathComponent("labels.csv")
        if let text = try? String(contentsOf: csv, encoding: .utf8) {
            let lines = text.split(whereSeparator: \.isNewline)
            if let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
               let idColumn = header.firstIndex(of: "id"), let labelColumn = header.firstIndex(of: "labels") {
                for line in lines.dropFirst() {
                    let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                    guard fields.count > max(idColumn, labelColumn) else { continue }
                    labels[String(fields[idColumn])] = Set(fields[labelColumn].split(separator: "|").map(String.init))
                }
            }
        }
        var entries = [Entry]()
        for file in files {
            let id = file.deletingPathExtension().lastPathComponent
            guard RecordID.isValid(id) else { continue }
            entries.append(Entry(id: id, url: file, labels: labels[id] ?? []))
            if let limit, entries.count >= limit { break }
        }
        return TrustMedDataset(entries: entries)
    }

    /// Decodes an image file into the analysis form features are computed on.
    static func grayImage(_ bytes: [UInt8]) throws -> GrayImage {
        try ImageLoader.decode(bytes).grayImage()
    }
}

/// The client side's hash model (`hash.model` beside `client.key`): an ITQ code over a base feature, trained
/// by the owner and shared with the clinicians it authorises, so queries are hashed exactly as the database.
enum TrustMedHashing {
    /// Trains a hash model on `images`.
    static func train(images: [GrayImage], bits: Int, base: String) throws -> FeatureModel {
        var options = FeatureOptions()
        options.bits = bits
        options.hashBase = base
        return try FeatureRegistry.make("hash", options: options, training: images)
    }

    /// The 0/1 bits of an image's hashcode.
    static func bits(of image: GrayImage, model: FeatureModel) throws -> [UInt8] {
        guard let code = model.hashcode(image) else { throw TrustMedError.invalidParameter("the model is not a hash model") }
        return code.bits
    }
}
