import Foundation
import MedSearchCore
import MedSearchFNN
import MedSearchFeatures
import MedSearchImaging
import MedSearchTransport

/// The owner's and user's network flows, shared by the CLI commands and the demo.
public enum FNNClientFlows {
    /// Lists image files (PNG, JPEG, DICOM) in a directory, sorted by name.
    public static func images(in directory: URL, limit: Int?) throws -> [URL] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let images = names.filter { name in
            let lower = name.lowercased()
            return lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") || lower.hasSuffix(".dcm")
        }.map { directory.appendingPathComponent($0) }
        return limit.map { Array(images.prefix($0)) } ?? images
    }

    /// Vectorises images with ids starting at `firstID` (progress on stderr).
    public static func records(_ urls: [URL], firstID: UInt64, vectorizer: FNNVectorizer, progress: Bool) throws -> [FNNRecordInput] {
        let model = try vectorizer.model()
        let reporter = ProgressReporter(label: "vectorise", total: urls.count, enabled: progress)
        var out: [FNNRecordInput] = []
        for (index, url) in urls.enumerated() {
            out.append(FNNRecordInput(id: firstID + UInt64(index), vector: try vectorizer.vector(of: url, model: model),
                                      label: url.lastPathComponent))
            reporter.advance()
        }
        return out
    }

    /// C1's status (stored records, correlation entries).
    public static func status(c1 client: ServiceClient) async throws -> FNNServerStatus {
        try await client.call(Routes.FNNC1.status, as: FNNServerStatus.self)
    }

    /// C2's status (correlation entries).
    public static func status(c2 client: ServiceClient) async throws -> FNNServerStatus {
        try await client.call(Routes.FNNC2.status, as: FNNServerStatus.self)
    }

    /// Records sent per request on the shared back end (Paillier: one).
    public static let recordsPerRequest = 16

    /// Sends set-ups (idempotent), records and (shared back end) `pool` correlation entries.
    /// `allRecords` (every record stored after this upload) feeds the rows of fresh correlation entries;
    /// `alreadyStored` are records C1 already holds (a re-run of a cut upload): not sent, but C2 gets their rows for
    /// the unused entries again (rows are replaced, so this is idempotent).
    public static func upload(owner: FNNOwner, records: [FNNRecordInput], allRecords: [FNNRecordInput], pool: Int,
                       c1: ServiceClient, c2: ServiceClient, sendSetup: Bool, progress: Bool,
                       alreadyStored: [FNNRecordInput] = []) async throws {
        if sendSetup {
            _ = try await c1.call(Routes.FNNC1.setup, body: owner.c1Setup.serialized())
            var c2Setup = owner.c2Setup.serialized()
            _ = try await c2.call(Routes.FNNC2.setup, body: c2Setup)
            constantTimeWipe(&c2Setup)
        }
        let pk = owner.keys.paillierSecretKey?.publicKey
        let reporter = ProgressReporter(label: "encrypt+upload", total: records.count, enabled: progress)
        let chunk = owner.parameters.backend == .paillier ? 1 : recordsPerRequest
        var start = 0
        while start < records.count {
            let slice = Array(records[start..<min(start + chunk, records.count)])
            let encoded = try owner.encode(slice)
            _ = try await c1.call(Routes.FNNC1.addRecords, body: FNNRecordBatch(encoded).serialized(context: pk))
            reporter.advance(by: slice.count)
            start += chunk
        }
        guard owner.parameters.backend == .shared else { return }
        // New records need C2's rows for every entry not yet consumed; fresh entries cover every record.
        let c1Status = try await Self.status(c1: c1)
        if !c1Status.unusedEntries.isEmpty, !(records + alreadyStored).isEmpty {
            let low = c1Status.unusedEntries.min()!, high = c1Status.unusedEntries.max()!
            let rows = try owner.poolForC2(entries: low..<(high + 1), records: records + alreadyStored)
            _ = try await c2.call(Routes.FNNC2.pool, body: (FNNSharedPoolC2(entries: [], rows: rows.rows)).serialized())
        }
        if pool > 0 {
            let next = max(c1Status.nextEntry, (try await Self.status(c2: c2)).nextEntry)
            try await replenish(owner: owner, entries: next..<(next + UInt64(pool)), c1: c1, c2: c2, progress: progress,
                                records: allRecords)
        }
    }

    /// Adds correlation entries for every record (the owner re-reads the vectors from its manifest).
    public static func replenish(owner: FNNOwner, entries: Range<UInt64>, c1: ServiceClient, c2: ServiceClient, progress: Bool,
                          records: [FNNRecordInput]?, keyDirectory: URL? = nil, vectorizer: FNNVectorizer? = nil) async throws {
        var all = records
        if all == nil, let keyDirectory, let vectorizer {
            let model = try vectorizer.model()
            all = try FNNKeyFiles.manifest(keyDirectory).map { entry in
                FNNRecordInput(id: entry.id, vector: try vectorizer.vector(of: URL(fileURLWithPath: entry.path), model: model),
                               label: "")
            }
        }
        let reporter = ProgressReporter(label: "correlations", total: max(all?.count ?? 0, 1), enabled: progress)
        let pool = try owner.poolForC2(entries: entries, records: all ?? []) { _ in reporter.advance() }
        _ = try await c2.call(Routes.FNNC2.pool, body: pool.serialized())
        _ = try await c1.call(Routes.FNNC1.pool, body: FNNPoolSeeds(try owner.poolSeedsForC1(entries: entries)).serialized())
    }

    /// Runs one query over the network: share to C2 (shared back end), query to C1, hand-over from C2.
    ///
    /// - Parameters:
    ///   - user: The user's credentials and state.
    ///   - vector: The query vector (from the same ``FNNVectorizer`` as the database).
    ///   - k: How many nearest neighbours to return.
    ///   - c1: The client of cloud C1.
    ///   - c2: The client of cloud C2.
    ///   - recoverVectors: Also fetch the winners' vectors through the masked hand-over (FNN's `E(m_min + r)`):
    ///     each returned hit's ``FNNSearchHit/vector`` is then the stored vector, recovered by the user alone
    ///     (neither server learns it). Costs C2 one decryption per 40-odd coordinates per winner (Paillier).
    /// - Returns: The opened hits, best first, and C1's raw result.
    /// - Throws: ``ServiceError`` when a server cannot be reached or refuses, `FNNError` on a malformed or
    ///   inconsistent reply.
    public static func query(user: FNNUser, vector: [Int64], k: Int, c1: ServiceClient, c2: ServiceClient,
                             recoverVectors: Bool = false) async throws
        -> (hits: [FNNSearchHit], result: FNNC1Result) {
        let prepared = try user.prepareQuery(vector, k: k, recoverVectors: recoverVectors)
        if let share = prepared.forC2 { _ = try await c2.call(Routes.FNNC2.share, body: share.serialized()) }
        let body = prepared.forC1.serialized(context: user.credentials.publicKey)
        let result = try FNNC1Result(serialized: try await c1.call(Routes.FNNC1.query, body: body))
        let handover = try FNNC2Handover(serialized: try await c2.call(Routes.FNNC2.handover, prepared.forC1.queryID.description))
        return (try user.open(result: result, handover: handover), result)
    }

    /// Writes recovered vectors: `vectors.csv` (rank, id, label, squared distance, then the coordinates) and, for
    /// the `pixels` vectorizer, one 8-bit grayscale PNG per hit (`rank<r>-id<id>.png`, side x side).
    ///
    /// - Returns: the files written.
    /// - Throws: ``MedSearchClientError`` when a hit has no vector or a file cannot be written.
    @discardableResult
    public static func writeVectors(_ hits: [FNNSearchHit], vectorizer: FNNVectorizer, to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [URL] = []
        var csv = "rank,id,label,squared_distance,vector\n"
        for (rank, hit) in hits.enumerated() {
            guard let vector = hit.vector else {
                throw MedSearchClientError.invalidInput("hit \(hit.id) carries no recovered vector")
            }
            let label = hit.label.replacingOccurrences(of: "\"", with: "\"\"")
            csv += "\(rank + 1),\(hit.id),\"\(label)\",\(hit.squaredDistance),"
                + vector.map(String.init).joined(separator: " ") + "\n"
            if vectorizer.feature == "pixels", vector.count == vectorizer.side * vectorizer.side {
                let url = directory.appendingPathComponent("rank\(rank + 1)-id\(hit.id).png")
                let pixels = vector.map { UInt8(clamping: $0) }
                do {
                    try Data(FNNPNG.encodeGray(width: vectorizer.side, height: vectorizer.side, pixels: pixels)).write(to: url)
                } catch {
                    throw MedSearchClientError.unreadableFile(path: url.path, hint: "cannot write: \(error)")
                }
                written.append(url)
            }
        }
        let csvURL = directory.appendingPathComponent("vectors.csv")
        do { try Data(csv.utf8).write(to: csvURL) } catch {
            throw MedSearchClientError.unreadableFile(path: csvURL.path, hint: "cannot write: \(error)")
        }
        return [csvURL] + written
    }
}
