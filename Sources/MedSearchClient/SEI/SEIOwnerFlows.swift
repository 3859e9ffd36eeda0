import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchSecureKNN
import MedSearchSEI

/// The SEI flows over the client's files: the owner's state file (secret, updated by every owner flow), a
/// user's secret W and the credentials the owner issues.
extension SEIClientFlows {
    /// What ``index(ownerFile:images:limit:feature:remote:)`` built.
    public struct IndexSummary: Sendable {
        /// Images indexed and uploaded.
        public var images: Int
        /// Leaf clusters of the tree.
        public var leafClusters: Int
        /// Height of the tree.
        public var treeHeight: Int
        /// Seconds for GenIndex and the upload (feature extraction excluded).
        public var seconds: Double
    }

    /// GenKey (owner): writes a new owner state file (mode 0600), replacing any earlier one.
    public static func keygen(ownerFile: String, configuration: SEIConfiguration) throws {
        try ClientFiles.write(try SEIOwner.generate(configuration: configuration).serialized(), to: ownerFile, secret: true)
    }

    /// The user's side of registration: writes the secret W (mode 0600) and the request for the owner.
    public static func userKeygen(dimension: Int, secretFile: String, requestFile: String) throws {
        let secret = try SecureKNNUserSecret.generate(dimension: dimension)
        try ClientFiles.write(secret.serialized(), to: secretFile, secret: true)
        try ClientFiles.write(secret.registrationRequest.serialized(), to: requestFile)
    }

    /// The owner answers a registration request with credentials (mode 0600: they hold the image key).
    public static func register(ownerFile: String, requestFile: String,
                                credentialsFile: String) throws -> SEIUserCredentials {
        let state = try SEIOwner(serialized: ClientFiles.readSecret(ownerFile))
        let answer = try state.register(try SecureKNNRegistrationRequest(serialized: ClientFiles.read(requestFile)))
        try ClientFiles.write(answer.serialized(), to: credentialsFile, secret: true)
        return answer
    }

    /// GenIndex and EncImage over a folder of images (`feature`: nil for ``defaultFeature``); the owner state file
    /// is updated with the PCA model and the index.
    public static func index(ownerFile: String, images: URL, limit: Int?, feature: String?,
                             remote: SEIRemote) async throws -> IndexSummary {
        var state = try SEIOwner(serialized: ClientFiles.readSecret(ownerFile))
        let folder = try self.folder(images, limit: limit)
        guard folder.entries.count >= 2 else { throw MedSearchClientError.invalidInput("need at least 2 images in \(images.path)") }
        let name = feature ?? defaultFeature
        let model = try featureModel(name)
        let features = try extract(folder.entries.map(\.url), model: model, label: "features (\(name))")
        let start = Date()
        let upload = try await index(owner: &state, entries: folder.entries, features: features, feature: name,
                                     model: model, remote: remote,
                                     progress: ProgressReporter(label: "encrypt", total: features.count))
        let seconds = Date().timeIntervalSince(start)
        try ClientFiles.write(state.serialized(), to: ownerFile, secret: true)
        return IndexSummary(images: upload.entries.count, leafClusters: state.index?.leafCentres.count ?? 0,
                            treeHeight: upload.tree.height, seconds: seconds)
    }

    /// Adds image files to the built index (each id is the file name without its extension). Images the cloud
    /// already holds (a re-run of an add that was cut) are skipped and reported.
    public static func add(ownerFile: String, files: [String], remote: SEIRemote) async throws -> AddReport {
        var state = try SEIOwner(serialized: ClientFiles.readSecret(ownerFile))
        let urls = files.map { URL(fileURLWithPath: $0) }
        let report = try await add(owner: &state, files: urls.map { ($0.deletingPathExtension().lastPathComponent, $0) },
                                   remote: remote)
        try ClientFiles.write(state.serialized(), to: ownerFile, secret: true)
        return report
    }

    /// The lines `medsearch sei add` prints: each added image's leaf, then the counts.
    public static func lines(_ report: AddReport) -> [String] {
        report.added.map { "added \($0.id) -> leaf \($0.cluster)" }
            + report.alreadyStored.map { "already stored \($0)" }
            + ["added \(report.added.count) image(s), \(report.alreadyStored.count) already stored (skipped)"]
    }

    /// Deletes images from the index and the cloud.
    public static func delete(ownerFile: String, ids: [String], remote: SEIRemote) async throws {
        var state = try SEIOwner(serialized: ClientFiles.readSecret(ownerFile))
        try await delete(owner: &state, ids: ids, remote: remote)
        try ClientFiles.write(state.serialized(), to: ownerFile, secret: true)
    }

    /// GenTrap, Search and DecImage for a query image file, with the user's secret and credentials files; the
    /// opened images are written to `output` as `<rank>-<id>.<png|jpg|dcm>` when it is given.
    public static func query(secretFile: String, credentialsFile: String, image: String, options: SEISearchOptions,
                             anonymity: Int, remote: SEIRemote, output: URL?) async throws -> QueryResult {
        let credentials = try SEIUserCredentials(serialized: ClientFiles.readSecret(credentialsFile))
        let user = try SEIUser(credentials: credentials,
                               secret: try SecureKNNUserSecret(serialized: ClientFiles.readSecret(secretFile)))
        let model = try FeatureModel(serialized: credentials.model.extractor)
        let feature = model.extract(try grayImage(ClientFiles.read(image)))
        let result = try await query(user: user, feature: feature, options: options, anonymity: anonymity, fetch: true,
                                     remote: remote)
        if let output {
            for (rank, hit) in result.hits.enumerated() {
                guard let plain = result.images[hit.id] else { continue }
                let name = "\(rank + 1)-\(hit.id).\(fileExtension(of: plain))"
                try ClientFiles.write(plain, to: output.appendingPathComponent(name).path)
            }
        }
        return result
    }
}

extension SEIClientFlows {
    /// The command's one-line help.
    public static let abstract = "SEI: similarity search over matrix-encrypted features in a hierarchical index tree."
    /// The engine's security and flow, shown by `medsearch sei --help`.
    public static let discussion = """
        SEI (Li et al., sei.md) encrypts PCA-reduced image features with an ASPE-style secret matrix, \
        clusters them with CAK-means into a hierarchical index tree, and lets one cloud server find the \
        top-k images for a user's trapdoor. Images are sealed with AES-256-GCM.

        SECURITY: the feature and query encryption is OBFUSCATION against a ciphertext-only adversary, \
        not encryption with a security proof. Matrix encryption of this family falls to known-plaintext \
        attacks: about d+1 known (feature vector, encrypted vector) pairs reveal the secret matrix, and a \
        user who colludes with the cloud hands it A and U. The cloud learns the tree shape and cluster \
        sizes, the path each query takes through the tree, the result ids, and scores equal to the squared \
        distances up to a secret per-query scaling and offset. Every ciphertext lies in one (d+1)-dimensional \
        affine subspace that the cloud computes from the ciphertexts alone (this cloud uses it to score \
        faster): the dummy entries S add no hiding. Images themselves are protected by AES-256-GCM \
        (every registered user holds the image key, as in the paper).

        Flow: keygen (owner) -> index (owner, uploads to `medsearch serve sei`) -> user-keygen (user) -> \
        register (owner answers with Abar, U, the image key and the feature model) -> query (user). \
        add / delete change the index after it is built.
        """
}

extension SEIClientFlows: CommandDocumentation {}
