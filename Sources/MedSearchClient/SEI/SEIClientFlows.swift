import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import MedSearchSEI

/// SEI's owner and user flows over the network, shared by the command line, the demo and the web application:
/// features, GenIndex and upload, add and delete, and a user's query (trapdoors, search, fetch, open).
public enum SEIClientFlows {
    /// Sealed images are uploaded in requests of about this many bytes.
    public static let uploadBatchBytes = 8 << 20

    /// The feature SEI uses by default: the CNN descriptor when this build has one, else LBP.
    public static var defaultFeature: String { FeatureRegistry.names.contains("cnn") ? "cnn" : "lbp" }

    /// Builds the named feature extractor.
    public static func featureModel(_ name: String) throws -> FeatureModel { try FeatureRegistry.make(name) }

    /// Decodes an image file's bytes into the analysis form.
    public static func grayImage(_ bytes: [UInt8]) throws -> GrayImage { try ImageLoader.decode(bytes).grayImage() }

    /// The images of a folder whose ids SEI accepts (1 to 256 UTF-8 bytes), with their labels.
    public static func folder(_ directory: URL, limit: Int? = nil) throws -> LabelledImageFolder {
        try LabelledImageFolder.load(directory, limit: limit) { !$0.isEmpty && $0.utf8.count <= 256 }
    }

    /// Extracts the features of many image files on all cores, in order.
    ///
    /// - Throws: ``MedSearchClientError/unreadableFile(path:hint:)`` naming the first file that cannot be read or
    ///   decoded.
    public static func extract(_ urls: [URL], model: FeatureModel, label: String, progress: Bool = true) throws -> [[Float]] {
        let reporter = ProgressReporter(label: label, total: urls.count, enabled: progress)
        return try Parallel.map(count: urls.count) { (index) throws(MedSearchClientError) -> [Float] in
            defer { reporter.advance() }
            do {
                let bytes = try [UInt8](Data(contentsOf: urls[index]))
                return model.extract(try grayImage(bytes))
            } catch {
                throw .unreadableFile(path: urls[index].path, hint: "\(error)")
            }
        }
    }

    /// Seals image files under the owner's image key and uploads them in batches of about ``uploadBatchBytes``.
    public static func uploadImages(_ items: [(id: String, url: URL)], owner: SEIOwner, remote: SEIRemote) async throws {
        var batch = [SEISealedImages.SealedImage]()
        var size = 0
        for item in items {
            let bytes = try [UInt8](Data(contentsOf: item.url))
            batch.append(.init(id: item.id, sealed: try owner.sealImage(bytes, id: item.id)))
            size += bytes.count
            if size > uploadBatchBytes {
                try await remote.store(SEISealedImages(images: batch))
                batch = []
                size = 0
            }
        }
        if !batch.isEmpty { try await remote.store(SEISealedImages(images: batch)) }
    }

    /// GenIndex and EncImage (owner): PCA, CAK-means, the index tree and the encrypted vectors over `features`,
    /// uploaded with the sealed images of `entries`. `owner` keeps the model and index.
    ///
    /// - Returns: The index uploaded.
    @discardableResult
    public static func index(owner: inout SEIOwner, entries: [LabelledImageFolder.Entry], features: [[Float]],
                             feature: String, model: FeatureModel, remote: SEIRemote,
                             progress: ProgressReporter? = nil) async throws -> SEIIndexUpload {
        let upload = try owner.buildIndex(ids: entries.map(\.id), features: features, extractorKind: feature,
                                          extractor: model.serialized(), progress: progress)
        // Images first: an index entry never exists without its image. Re-running after a cut replaces both.
        try await uploadImages(entries.map { ($0.id, $0.url) }, owner: owner, remote: remote)
        try await remote.replaceIndex(upload)
        return upload
    }

    /// Images of an add sent per round: their sealed images, then their index entries.
    public static let addRound = 16

    /// What an add did.
    public struct AddReport: Sendable {
        /// The entries this run added, in file order.
        public var added: [SEIIndexEntry]
        /// Ids the cloud already held (an earlier run of the same add was cut after storing them): not sent again.
        public var alreadyStored: [String]
    }

    /// Adds images to the built index (each joins its nearest leaf) and uploads them sealed, in rounds of
    /// ``addRound`` images (their sealed images, then their entries, so an entry never exists without its image).
    /// Re-running an add that was cut completes it: the cloud is first asked which ids it holds; those are adopted
    /// into the owner's index at the leaf the cloud holds them in and not sent again (re-encrypting them would give
    /// other bytes, which the cloud refuses under a stored id).
    ///
    /// - Throws: `SEIError.indexNotBuilt` before an index exists.
    @discardableResult
    public static func add(owner: inout SEIOwner, files: [(id: String, url: URL)], remote: SEIRemote,
                           progress: Bool = false) async throws -> AddReport {
        guard let modelBytes = owner.model?.extractor else { throw SEIError.indexNotBuilt }
        let held = try await remote.held(ids: files.map(\.id))
        try owner.adoptStored(held)
        let heldIDs = Set(held.map(\.id))
        let missing = files.filter { !heldIDs.contains($0.id) }
        var report = AddReport(added: [], alreadyStored: files.map(\.id).filter { heldIDs.contains($0) })
        guard !missing.isEmpty else { return report }
        let model = try FeatureModel(serialized: modelBytes)
        let features = try extract(missing.map(\.url), model: model, label: "features", progress: progress)
        for start in stride(from: 0, to: missing.count, by: addRound) {
            let round = start..<min(start + addRound, missing.count)
            let message = try owner.addImages(ids: round.map { missing[$0].id }, features: Array(features[round]))
            try await uploadImages(Array(missing[round]), owner: owner, remote: remote)
            try await remote.add(message)
            report.added += message.entries
        }
        return report
    }

    /// Deletes images from the index and the cloud.
    public static func delete(owner: inout SEIOwner, ids: [String], remote: SEIRemote) async throws {
        try await remote.delete(try owner.deleteImages(ids: ids))
    }

    /// What a user's query returned.
    public struct QueryResult: Sendable {
        /// The hits, best first.
        public var hits: [SEIHit]
        /// The opened images by id (authenticated under the image key); ids the cloud does not hold are absent.
        public var images: [String: [UInt8]]
        /// Encrypted vectors the cloud scored.
        public var scoredImages: Int
        /// Tree nodes the cloud scored.
        public var scoredNodes: Int
        /// Trapdoors sent (the query and its K-anonymity decoys).
        public var trapdoors: Int
    }

    /// GenTrap, Search and DecImage (user): the `options.k` images closest to `feature`, optionally fetched
    /// and opened.
    ///
    /// - Parameters:
    ///   - anonymity: K-anonymity: hide the query among K-1 decoy trapdoors (1 = off).
    ///   - fetch: Also fetch and open the hits' sealed images.
    /// - Throws: `ServiceError` when the cloud cannot be reached or refuses; `SEIError` when an answer or an
    ///   image does not open.
    public static func query(user: SEIUser, feature: [Float], options: SEISearchOptions, anonymity: Int = 1,
                             fetch: Bool, remote: SEIRemote) async throws -> QueryResult {
        let (request, pending) = try user.makeSearch(feature, options: options, anonymity: anonymity)
        let response = try await remote.search(request)
        let hits = try user.results(from: response, for: pending)
        var images: [String: [UInt8]] = [:]
        if fetch, !hits.isEmpty {
            for sealed in try await remote.fetch(ids: hits.map(\.id)).images where images[sealed.id] == nil {
                images[sealed.id] = try user.openImage(sealed.sealed, id: sealed.id)
            }
        }
        return QueryResult(hits: hits, images: images, scoredImages: response.scoredImages,
                           scoredNodes: response.scoredNodes, trapdoors: request.trapdoors.count)
    }

    /// A file extension for decrypted image bytes (`png`, `jpg`, else `dcm`).
    public static func fileExtension(of bytes: [UInt8]) -> String {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "png" }
        if bytes.starts(with: [0xFF, 0xD8]) { return "jpg" }
        return "dcm"
    }
}
