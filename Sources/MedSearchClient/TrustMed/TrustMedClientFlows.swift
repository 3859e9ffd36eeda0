import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchTransport
import MedSearchTrustMed

/// The TrustMedSearch client's flows over a key directory (`client.key` and `hash.model`): the owner's key
/// generation and uploads, a clinician's queries. The command line and the benchmarks call these; they print.
public enum TrustMedClientFlows {
    /// A key directory read back: the client (BFV keys, sealing and tag keys) and the hash model.
    public struct KeyDirectory: Sendable {
        /// The client.
        public var client: TrustMedClient
        /// The hash model that turns an image into its hashcode.
        public var model: FeatureModel
    }

    /// What ``keygen(out:train:trainLimit:bits:hashBase:parameterSet:)`` wrote.
    public struct GeneratedKeys: Sendable {
        /// The client keys (secret), written to `client.key`.
        public var keys: TrustMedClientKeys
        /// The trained hash model, written to `hash.model`.
        public var model: FeatureModel
        /// Where `client.key` is.
        public var keyFile: URL
    }

    /// What ``query(_:image:k:remote:out:)`` found.
    public struct QueryResult: Sendable {
        /// The results, best first.
        public var hits: [Hit]
        /// From the hashcode to the decrypted images.
        public var elapsed: Duration
        /// Records the master did not search (their search worker did not answer).
        public var unsearched: [String]
    }

    /// One ranked result of ``query(_:image:k:remote:out:)``.
    public struct Hit: Sendable {
        /// The record.
        public var recordID: String
        /// Its Hamming distance to the query.
        public var distance: Int
        /// The image's size in bytes, or why it could not be rebuilt and opened.
        public var image: Result<Int, TrustMedError>
    }

    /// Creates `out` (mode 0700), trains the hash model on at most `trainLimit` images of `train`, generates the
    /// client keys and writes `client.key` (mode 0600) and `hash.model`.
    public static func keygen(out: URL, train: URL, trainLimit: Int, bits: Int, hashBase: String,
                              parameterSet: String) throws -> GeneratedKeys {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let dataset = try TrustMedDataset.load(train, limit: trainLimit)
        guard dataset.entries.count >= bits else {
            throw MedSearchClientError.invalidInput("need at least \(bits) training images, found \(dataset.entries.count)")
        }
        let progress = ProgressReporter(label: "reading training images", total: dataset.entries.count)
        let images = try dataset.entries.map { entry in
            defer { progress.advance() }
            return try TrustMedDataset.grayImage(Array(try Data(contentsOf: entry.url)))
        }
        let model = try TrustMedHashing.train(images: images, bits: bits, base: hashBase)
        try Data(model.serialized()).write(to: out.appendingPathComponent("hash.model"))
        let keys = try TrustMedDefaults.generateClientKeys(hashBits: bits, parameterSet: parameterSet)
        let keyFile = out.appendingPathComponent("client.key")
        try TrustMedKeyFiles.writeKeys(keys, to: keyFile)
        return GeneratedKeys(keys: keys, model: model, keyFile: keyFile)
    }

    /// Reads `client.key` (refused when group or others can read it) and `hash.model` from `directory`; the client
    /// sends its queries in `queryForm`.
    public static func load(keys directory: String, queryForm: TrustMedQueryForm = .compact) throws -> KeyDirectory {
        let client = try TrustMedDefaults.client(keys: try TrustMedKeyFiles.readKeys(directory + "/client.key"),
                                                 queryForm: queryForm)
        let modelPath = directory + "/hash.model"
        guard let bytes = FileManager.default.contents(atPath: modelPath) else {
            throw MedSearchClientError.unreadableFile(path: modelPath, hint: "create one with `medsearch trustmed keygen`")
        }
        return KeyDirectory(client: client, model: try FeatureModel(serialized: Array(bytes)))
    }

    /// The hashcode bits of an image file under `model`.
    public static func hashcode(of bytes: [UInt8], model: FeatureModel) throws -> [UInt8] {
        try TrustMedHashing.bits(of: try TrustMedDataset.grayImage(bytes), model: model)
    }

    /// Seals, hashes, encrypts and uploads the images of `data` (at most `limit`), one BFV block of records per
    /// round; `each` is told each image's outcome as it is known. After a request fails as a whole (the master
    /// unreachable, the deadline passed) the remaining images are neither read nor sent, and are reported not
    /// stored. Uploads are idempotent: running the same upload again completes it.
    public static func upload(_ keys: KeyDirectory, data: URL, limit: Int?, remote: TrustMedRemote,
                              each: (_ recordID: String, _ outcome: TrustMedUpload.Outcome) -> Void) async throws
        -> TrustMedUpload {
        let dataset = try TrustMedDataset.load(data, limit: limit)
        let progress = ProgressReporter(label: "uploading", total: dataset.entries.count)
        var report = TrustMedUpload()
        let perBlock = keys.client.keyHolder.recordsPerBlock
        for start in stride(from: 0, to: dataset.entries.count, by: perBlock) {
            let entries = dataset.entries[start..<min(start + perBlock, dataset.entries.count)]
            guard report.failure == nil else {
                report.skip(entries.map(\.id), each: each)
                continue
            }
            let images = try entries.map { entry in
                let bytes = Array(try Data(contentsOf: entry.url))
                return TrustMedClient.Image(recordID: entry.id, bytes: bytes, hashcode: try hashcode(of: bytes, model: keys.model))
            }
            await report.send(try keys.client.uploadRequests(for: images), remote: remote, each: each)
            progress.advance(by: images.count)
        }
        return report
    }

    /// Queries by image: encrypted hashcode search, client-side top-`k`, images rebuilt from m shares and opened;
    /// each opened image is written to `out/<record id>.img` when `out` is given.
    public static func query(_ keys: KeyDirectory, image: URL, k: Int, remote: TrustMedRemote,
                             out: URL?) async throws -> QueryResult {
        let bits = try hashcode(of: Array(try Data(contentsOf: image)), model: keys.model)
        let start = ContinuousClock.now
        let result = try await remote.queryReport(client: keys.client, hashcode: bits, k: k)
        let elapsed = ContinuousClock.now - start
        if let out { try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true) }
        let hits = try zip(result.ranked, result.images).map { ranked, retrieved in
            switch retrieved.result {
            case let .success(bytes):
                if let out { try Data(bytes).write(to: out.appendingPathComponent(ranked.recordID + ".img")) }
                return Hit(recordID: ranked.recordID, distance: ranked.distance, image: .success(bytes.count))
            case let .failure(error):
                return Hit(recordID: ranked.recordID, distance: ranked.distance, image: .failure(error))
            }
        }
        return QueryResult(hits: hits, elapsed: elapsed, unsearched: result.unsearched)
    }

    /// Record ids given one by one and in a file of one id per line, each checked.
    public static func recordIDs(_ ids: [String], file: String?) throws -> [String] {
        var all = ids
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw MedSearchClientError.unreadableFile(path: file, hint: "one record id per line")
            }
            all += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        for id in all where !RecordID.isValid(id) { throw TrustMedError.invalidRecordID(id) }
        return all
    }
}

extension TrustMedClientFlows {
    /// The command's one-line help.
    public static let abstract = "TrustMedSearch: BFV-encrypted hashcode search on an edge master, images shared m-of-n on storage nodes."
    /// The engine's security and flow, shown by `medsearch trustmed --help`.
    public static let discussion = """
        Security: hashcodes and distances are encrypted under BFV (128-bit security, HomomorphicEncryption.org \
        parameters); the secret key stays on the client side, the edge master holds evaluation keys only. \
        Images are sealed with AES-256-GCM by the client and split m-of-n over the storage nodes: fewer than m \
        compromised nodes learn nothing about an image. The edge master learns which records a client fetches, \
        how many records there are and when they are queried. See docs/trustmed.md.
        """
}

extension TrustMedClientFlows {
    /// The description shown by `medsearch trustmed delete --help`.
    public static let deleteDiscussion = """
        Needs the owner or admin token. A record is removed from the master's database (with its hashcode \
        slot) at once; its n shares are deleted on the nodes, and a node that is down gets its share \
        deleted on a later call (every delete retries them; without --id only that is done) or by the \
        master's background retry. Retry-safe: a record already gone is reported as not found.
        """

    /// A delete's outcome per record, then the totals.
    public static func lines(_ report: DeleteReport) -> [String] {
        let deleted = report.outcomes.filter { $0.status == .deleted }.count
        return report.outcomes.map { "\($0.recordID)\t\($0.status == .deleted ? "deleted" : "not found")" }
            + ["deleted \(deleted) record(s); \(report.sharesDeleted) share(s) removed from the nodes, "
                + "\(report.sharesPending) pending (node unreachable, retried later)"]
    }

    /// A re-sharing's totals, then each record that failed.
    public static func lines(_ report: ReshareReport) -> [String] {
        ["node \(report.nodeIndex): \(report.rebuilt) record(s) hold a valid share again (\(report.regenerated) regenerated, "
            + "\(report.resplit) re-split, \(report.rebuilt - report.regenerated - report.resplit) still present), "
            + "\(report.failed.count) failed"] + report.failed.map { "failed: \($0)" }
    }

    /// The description shown by `medsearch trustmed upload --help`.
    public static let uploadDiscussion = """
        Prints one line per image (stored, already stored, not stored with the reason). Uploads are idempotent per \
        record id: running the same command again stores what is missing and skips what is there. A request is \
        retried within --timeout-s; when the master or a node cannot be reached the remaining images are not sent \
        and the command exits with status 1.
        """

    /// A query's results: a warning naming records that were not searched, one line per hit (rank, record,
    /// distance, size or why the image was not retrieved), then the time taken.
    public static func lines(_ result: QueryResult) -> [String] {
        var lines: [String] = []
        if !result.unsearched.isEmpty {
            lines.append("warning: \(result.unsearched.count) record(s) were NOT searched (their search worker did not answer): "
                         + result.unsearched.prefix(20).joined(separator: " ") + (result.unsearched.count > 20 ? " ..." : ""))
        }
        for (rank, hit) in result.hits.enumerated() {
            switch hit.image {
            case let .success(size): lines.append("\(rank + 1)\t\(hit.recordID)\tdistance \(hit.distance)\t\(size) bytes")
            case let .failure(error): lines.append("\(rank + 1)\t\(hit.recordID)\tdistance \(hit.distance)\tNOT RETRIEVED: \(error)")
            }
        }
        let (seconds, attoseconds) = result.elapsed.components
        lines.append(String(format: "query took %.1f ms (hashcode to decrypted images)", Double(attoseconds) / 1e15 + Double(seconds) * 1000))
        return lines
    }

    /// What the edge master holds.
    public static func lines(_ status: EdgeMasterStatus) -> [String] {
        ["keys registered: \(status.keysRegistered)",
         "records: \(status.records), sealed \(status.sealedBytes) bytes, shares \(status.shareBytes) bytes",
         "threshold m = \(status.threshold) of n = \(status.nodes.count): \(status.nodes.joined(separator: " "))"]
    }
}

extension TrustMedClientFlows: CommandDocumentation {}
