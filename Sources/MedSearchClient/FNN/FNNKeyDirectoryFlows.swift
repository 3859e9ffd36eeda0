import Foundation
import MedSearchCore
import MedSearchFNN
import MedSearchTransport

/// The owner's and user's flows over a key directory written by ``keygen(_:paillierBits:to:)``: keys, the
/// vectorizer and the manifest of uploaded records (shared by the CLI commands).
extension FNNClientFlows {
    /// Generates the owner's keys, both servers' set-ups and the users' credentials for `vectorizer`, and
    /// writes them into `directory` (created with mode 0700; secrets with mode 0600 from creation).
    ///
    /// - Returns: the parameters of the keys.
    @discardableResult
    public static func keygen(_ vectorizer: FNNVectorizer, backend: FNNBackend, paillierBits: Int,
                              to directory: URL) throws -> FNNParameters {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let parameters = try FNNParameters(backend: backend, dimension: try vectorizer.dimension,
                                           maxAbsCoordinate: vectorizer.maxAbs)
        let owner = try FNNOwner.generate(parameters: parameters, paillierBits: paillierBits)
        try FNNKeyFiles.writeSecret(owner.keys.serialized(), to: directory.appendingPathComponent(FNNKeyFiles.owner))
        try Data(owner.c1Setup.serialized()).write(to: directory.appendingPathComponent(FNNKeyFiles.c1Setup))
        try FNNKeyFiles.writeSecret(owner.c2Setup.serialized(), to: directory.appendingPathComponent(FNNKeyFiles.c2Setup))
        try FNNKeyFiles.writeSecret(owner.userCredentials.serialized(), to: directory.appendingPathComponent(FNNKeyFiles.user))
        try vectorizer.write(to: directory)
        return parameters
    }

    /// The owner of a key directory (its secret key file is refused when group or others can read it).
    public static func owner(keyDirectory: URL) throws -> FNNOwner {
        var bytes = try FNNKeyFiles.readSecret(keyDirectory, FNNKeyFiles.owner)
        defer { constantTimeWipe(&bytes) }
        return try FNNOwner(keys: try FNNOwnerKeys(serialized: bytes))
    }

    /// A user from a directory holding `user.fnncred` (refused when group or others can read it).
    public static func user(credentials directory: URL) throws -> FNNUser {
        var bytes = try FNNKeyFiles.readSecret(directory, FNNKeyFiles.user)
        defer { constantTimeWipe(&bytes) }
        return try FNNUser(credentials: try FNNUserCredentials(serialized: bytes))
    }

    /// Vectorises image files as new records (ids after the largest one C1 holds), uploads them and appends them
    /// to the key directory's manifest.
    ///
    /// - Parameter pool: nil to add to a database already set up; otherwise this is an upload: the set-ups are
    ///   sent (idempotent) and, for the shared back end, `pool` correlation entries are made over every record of
    ///   the manifest and the new ones.
    /// - Returns: the first new id and how many records were stored.
    public static func upload(_ urls: [URL], keyDirectory: URL, c1: ServiceClient, c2: ServiceClient,
                              pool: Int?) async throws -> (firstID: UInt64, count: Int) {
        let owner = try owner(keyDirectory: keyDirectory)
        let vectorizer = try FNNVectorizer.load(from: keyDirectory)
        let firstID = (try await status(c1: c1).maxRecordID ?? 0) + 1
        let records = try records(urls, firstID: firstID, vectorizer: vectorizer, progress: true)
        var manifest = try FNNKeyFiles.manifest(keyDirectory)
        let previous = pool == nil ? [] : try manifestRecords(manifest, vectorizer: vectorizer)
        try await upload(owner: owner, records: records, allRecords: previous + records, pool: pool ?? 0, c1: c1, c2: c2,
                         sendSetup: pool != nil, progress: true)
        manifest += zip(records, urls).map { (id: $0.id, path: $1.path) }
        try FNNKeyFiles.writeManifest(manifest, to: keyDirectory)
        return (firstID, records.count)
    }

    /// Deletes records on both clouds and from the key directory's manifest.
    public static func delete(_ ids: [UInt64], keyDirectory: URL, c1: ServiceClient, c2: ServiceClient) async throws {
        let body = FNNRecordIDs(ids).serialized()
        _ = try await c1.call(Routes.FNNC1.deleteRecords, body: body)
        _ = try await c2.call(Routes.FNNC2.deleteRecords, body: body)
        let manifest = try FNNKeyFiles.manifest(keyDirectory).filter { !ids.contains($0.id) }
        try FNNKeyFiles.writeManifest(manifest, to: keyDirectory)
    }

    /// Adds `count` correlation entries after the last one either cloud knows (shared back end: every query
    /// consumes one), over every record of the manifest.
    ///
    /// - Returns: the entries added.
    public static func replenish(_ count: Int, keyDirectory: URL, c1: ServiceClient,
                                 c2: ServiceClient) async throws -> Range<UInt64> {
        let owner = try owner(keyDirectory: keyDirectory)
        let vectorizer = try FNNVectorizer.load(from: keyDirectory)
        let next = max(try await status(c1: c1).nextEntry, try await status(c2: c2).nextEntry)
        let entries = next..<(next + UInt64(count))
        try await replenish(owner: owner, entries: entries, c1: c1, c2: c2, progress: true, records: nil,
                            keyDirectory: keyDirectory, vectorizer: vectorizer)
        return entries
    }

    /// Re-reads the owner's manifest into records (needed for fresh correlation entries).
    static func manifestRecords(_ manifest: [(id: UInt64, path: String)],
                                vectorizer: FNNVectorizer) throws -> [FNNRecordInput] {
        let model = try vectorizer.model()
        return try manifest.map { entry in
            FNNRecordInput(id: entry.id, vector: try vectorizer.vector(of: URL(fileURLWithPath: entry.path), model: model),
                           label: "")
        }
    }
}

extension FNNClientFlows {
    /// The engine's security and flow, shown by `medsearch fnn --help`.
    public static let discussion = """
        Security: semantically secure as long as C1 and C2 do not collude (Paillier under DCR, or additive \
        secret sharing with owner-made correlations). The servers learn which records were pruned by the lower \
        bound and the order of blinded comparison keys; C1 learns the ids of the returned records. See docs/fnn.md.
        Typical flow: keygen -> (start `medsearch serve fnn-c2` and `serve fnn-c1`) -> upload -> query.
        """
}
