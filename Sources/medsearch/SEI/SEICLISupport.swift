import Dispatch
import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import MedSearchSEI
import MedSearchServer

/// A folder of images for SEI: `images/<id>.<png|jpg|jpeg|dcm>` (or the files directly in the folder) and
/// optionally `labels.csv` with columns `id` and `labels` (separated by `|`).
enum SEIImageFolder {
    /// Lists the images of `directory` with ids of 1 to 256 bytes.
    static func load(_ directory: URL, limit: Int? = nil) throws -> LabelledImageFolder {
        try LabelledImageFolder.load(directory, limit: limit) { !$0.isEmpty && $0.utf8.count <= 256 }
    }
}

/// Helpers shared by the `sei` subcommands.
enum SEICLI {
    /// The feature SEI uses by default: the CNN descriptor when this build has one, else LBP.
    static var defaultFeature: String { FeatureRegistry.names.contains("cnn") ? "cnn" : "lbp" }

    /// Builds the named feature extractor.
    static func featureModel(_ name: String) throws -> FeatureModel {
        try FeatureRegistry.make(name)
    }

    /// Decodes an image file's bytes into the analysis form.
    static func grayImage(_ bytes: [UInt8]) throws -> GrayImage {
        try ImageLoader.decode(bytes).grayImage()
    }

    /// Extracts features of many files on all cores, in order.
    static func extract(_ urls: [URL], model: FeatureModel, label: String, progress: Bool = true) throws -> [[Float]] {
        let reporter = ProgressReporter(label: label, total: urls.count, enabled: progress)
        let results = SEIResultBox(count: urls.count)
        DispatchQueue.concurrentPerform(iterations: urls.count) { index in
            do {
                let bytes = try [UInt8](Data(contentsOf: urls[index]))
                results.set(index, .success(model.extract(try grayImage(bytes))))
            } catch {
                results.set(index, .failure(SEICLIError("cannot read \(urls[index].lastPathComponent): \(error)")))
            }
            reporter.advance()
        }
        return try results.values.map { try $0!.get() }
    }

    /// Reads a whole file.
    static func read(_ path: String) throws -> [UInt8] {
        do {
            return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SEICLIError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Writes a file atomically; secret files get owner-only permissions.
    static func write(_ bytes: [UInt8], to path: String, secret: Bool = false) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
        if secret { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
    }

    /// Uploads sealed images in batches of about 8 MB.
    static func uploadImages(_ items: [(id: String, url: URL)], owner: SEIOwner, client: ServiceClient) async throws {
        var batch = [SEISealedImages.SealedImage]()
        var size = 0
        for item in items {
            let bytes = try [UInt8](Data(contentsOf: item.url))
            batch.append(.init(id: item.id, sealed: try owner.sealImage(bytes, id: item.id)))
            size += bytes.count
            if size > 8 << 20 {
                _ = try await client.post("/sei/v1/images", body: SEISealedImages(images: batch).serialized())
                batch = []
                size = 0
            }
        }
        if !batch.isEmpty { _ = try await client.post("/sei/v1/images", body: SEISealedImages(images: batch).serialized()) }
    }
}

/// Thread-safe result slots for concurrentPerform.
final class SEIResultBox: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private(set) var values: [Result<[Float], any Error>?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<[Float], any Error>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}

/// A one-line CLI error.
struct SEICLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
