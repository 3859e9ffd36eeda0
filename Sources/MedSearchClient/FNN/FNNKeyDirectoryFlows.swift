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

    /// What an upload or add did.
    public struct UploadReport: Sendable {
        /// The record ids of this run's images, in file order.
        public var ids: [UInt64]
        /// Of those, the ids C1 already held (an earlier run of the same upload was cut after storing them): not
        /// sent again.
        public var alreadyStored: [UInt64]
        /// Records this run stored.
        public var stored: Int { ids.count - alreadyStored.count }

        /// The line the commands print.
        public var line: String {
            let range = ids.isEmpty ? "" : " (ids \(ids.min()!)...\(ids.max()!))"
            return "stored \(stored) record(s), \(alreadyStored.count) already stored (skipped)\(range)"
        }
    }

    /// Vectorises image files as records, uploads them and adds them to the key directory's manifest.
    ///
    /// The upload plan (each image's record id) is written to the key directory (``FNNKeyFiles/plan``) before
    /// anything is sent, and folded into the manifest once C1 and C2 acknowledged everything. A run gives an image
    /// the id the plan or the manifest already gives its path, and new images ids after the largest one C1 or the
    /// owner knows; it asks C1 which of its ids it holds and sends only the others (re-encrypting a record gives
    /// other bytes, which C1 refuses under a stored id). So re-running an upload that was cut completes it without
    /// duplicates, and C2's correlation rows (shared back end) are sent for every record of the run.
    ///
    /// - Parameter pool: nil to add to a database already set up; otherwise this is an upload: the set-ups are
    ///   sent (idempotent) and, for the shared back end, `pool` correlation entries are made over every record of
    ///   the manifest and the new ones.
    public static func upload(_ urls: [URL], keyDirectory: URL, c1: ServiceClient, c2: ServiceClient,
                              pool: Int?) async throws -> UploadReport {
        let owner = try owner(keyDirectory: keyDirectory)
        let vectorizer = try FNNVectorizer.load(from: keyDirectory)
        var manifest = try FNNKeyFiles.manifest(keyDirectory)
        var plan = try FNNKeyFiles.manifest(keyDirectory, FNNKeyFiles.plan)
        func key(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        var known = [String: UInt64]()
        for entry in manifest + plan { known[key(entry.path)] = entry.id }
        var next = max(try await status(c1: c1).maxRecordID ?? 0, (manifest + plan).map(\.id).max() ?? 0) + 1
        var assigned = [(id: UInt64, path: String)]()
        for url in urls {
            if let id = known[key(url.path)] {
                assigned.append((id, url.path))
            } else {
                known[key(url.path)] = next
                assigned.append((next, url.path))
                next += 1
            }
        }
        guard Set(assigned.map(\.id)).count == assigned.count else {
            throw MedSearchClientError.invalidInput("an image is listed twice")
        }
        let ids = Set(assigned.map(\.id))
        plan = plan.filter { !ids.contains($0.id) } + assigned
        try FNNKeyFiles.writeManifest(plan, to: keyDirectory, FNNKeyFiles.plan)

        let held = try await self.held(assigned.map(\.id), c1: c1)
        let model = try vectorizer.model()
        let reporter = ProgressReporter(label: "vectorise", total: urls.count)
        let records = try assigned.map { entry in
            defer { reporter.advance() }
            return FNNRecordInput(id: entry.id, vector: try vectorizer.vector(of: URL(fileURLWithPath: entry.path), model: model),
                                  label: URL(fileURLWithPath: entry.path).lastPathComponent)
        }
        let previous = pool == nil ? [] : try manifestRecords(manifest.filter { !ids.contains($0.id) }, vectorizer: vectorizer)
        try await upload(owner: owner, records: records.filter { !held.contains($0.id) }, allRecords: previous + records,
                         pool: pool ?? 0, c1: c1, c2: c2, sendSetup: pool != nil, progress: true,
                         alreadyStored: records.filter { held.contains($0.id) })
        manifest = manifest.filter { !ids.contains($0.id) } + assigned
        try FNNKeyFiles.writeManifest(manifest, to: keyDirectory)
        try FNNKeyFiles.writeManifest(plan.filter { !ids.contains($0.id) }, to: keyDirectory, FNNKeyFiles.plan)
        return UploadReport(ids: assigned.map(\.id), alreadyStored: assigned.map(\.id).filter { held.contains($0) })
    }

    /// The ids among `ids` that C1 holds (asked in requests of 10,000 ids).
    public static func held(_ ids: [UInt64], c1: ServiceClient) async throws -> Set<UInt64> {
        var held = Set<UInt64>()
        for start in stride(from: 0, to: ids.count, by: 10_000) {
            let body = FNNRecordIDs(Array(ids[start..<min(start + 10_000, ids.count)])).serialized()
            held.formUnion(try FNNRecordIDs(serialized: try await c1.call(Routes.FNNC1.held, body: body)).ids)
        }
        return held
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
    /// The command's one-line help.
    public static let abstract = "Exact nearest neighbours over encrypted image vectors with two non-colluding clouds (FNN)."
    /// The engine's security and flow, shown by `medsearch fnn --help`.
    public static let discussion = """
        Security: semantically secure as long as C1 and C2 do not collude (Paillier under DCR, or additive \
        secret sharing with owner-made correlations). The servers learn which records were pruned by the lower \
        bound and the order of blinded comparison keys; C1 learns the ids of the returned records. See docs/fnn.md.
        Typical flow: keygen -> (start `medsearch serve fnn-c2` and `serve fnn-c1`) -> upload -> query.
        """
}

extension FNNClientFlows: CommandDocumentation {}
