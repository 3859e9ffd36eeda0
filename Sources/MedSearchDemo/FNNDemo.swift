import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchFNN
import MedSearchTransport

/// The demo's FNN part: C1 and C2 as real processes on loopback for each back end; the demo images are
/// encrypted (Paillier) or secret-shared (shared) and uploaded; one query's top-k is printed beside the plaintext
/// exact top-k for the same query.
enum FNNDemo {
    static func run(_ context: DemoContext) async throws {
        let say = context.printer
        let imagesDirectory = context.dataDirectory.appendingPathComponent("images")
        let urls = try FNNClientFlows.images(in: imagesDirectory, limit: nil)
        guard urls.count >= 4 else {
            say("fnn: skipped (need at least 4 demo images, found \(urls.count))")
            return
        }
        // The shared back end on every demo image at 32x32 pixels; Paillier (the paper's construction, 2048-bit
        // key) on a subset at 12x12 so the demo stays short.
        try await runOne(context, backend: .shared, side: 32, urls: urls)
        try await runOne(context, backend: .paillier, side: 12, urls: Array(urls.prefix(24)))
    }

    private static func runOne(_ context: DemoContext, backend: FNNBackend, side: Int, urls: [URL]) async throws {
        let say = context.printer
        let directory = context.workDirectory.appendingPathComponent("fnn-\(backend)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let query = urls[urls.count / 2]
        let stored = urls.filter { $0 != query }
        let vectorizer = FNNVectorizer(feature: "pixels", side: side, scale: 1, maxAbs: 255)
        let parameters = try FNNParameters(backend: backend, dimension: side * side, maxAbsCoordinate: 255)
        let owner = try FNNOwner.generate(parameters: parameters)
        let records = try FNNClientFlows.records(stored, firstID: 1, vectorizer: vectorizer, progress: false)

        say("fnn[\(backend)]: starting C2 and C1 on loopback (\(stored.count) images, \(side)x\(side) pixels, d = \(side * side))")
        let clouds = try await LocalDeployment.fnnClouds(context.launcher, directory: directory)
        do {
            let configuration = ClientConfiguration.standard.timeout(.seconds(600))
            let (ownerC1, ownerC2) = try clouds.clients(role: .owner, configuration: configuration)
            let start = ContinuousClock.now
            try await FNNClientFlows.upload(owner: owner, records: records, allRecords: records, pool: 4, c1: ownerC1,
                                            c2: ownerC2, sendSetup: true, progress: false)
            say("fnn[\(backend)]: uploaded \(records.count) records in \(DemoText.milliseconds(ContinuousClock.now - start)) ms")

            let user = try FNNUser(credentials: owner.userCredentials)
            let (userC1, userC2) = try clouds.clients(role: .user, configuration: configuration)
            let vector = try vectorizer.vector(of: query, model: try vectorizer.model())
            let k = min(context.k, records.count)
            let queryStart = ContinuousClock.now
            let (hits, result) = try await FNNClientFlows.query(user: user, vector: vector, k: k, c1: userC1, c2: userC2,
                                                                recoverVectors: true)
            let elapsed = DemoText.milliseconds(ContinuousClock.now - queryStart)
            let plain = FNNPlaintextSearch.topK(query: vector, records: records.map { ($0.id, $0.vector) }, k: k)
            let labels = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.label) })
            say("fnn[\(backend)]: query \(query.lastPathComponent), top-\(k) in \(elapsed) ms, "
                + String(format: "%.0f %% of records rejected by the lower bound", 100 * result.rejectRatio))
            say("  rank  encrypted: id label (squared distance)           plaintext exact: id label (squared distance)")
            for index in 0..<k {
                let e = index < hits.count ? "\(hits[index].id) \(hits[index].label) (\(hits[index].squaredDistance))" : "-"
                let p = index < plain.count ? "\(plain[index].id) \(labels[plain[index].id] ?? "") (\(plain[index].squaredDistance))" : "-"
                say("  \(DemoText.pad(String(index + 1), 4))  \(DemoText.pad(e, 46))  \(p)")
            }
            say("fnn[\(backend)]: encrypted top-\(k) \(hits.map(\.neighbor) == plain ? "MATCHES" : "DIFFERS FROM") plaintext exact search")
            // The masked hand-over (FNN's E(m_min + r)): the user alone recovers the winners' vectors.
            let storedVectors = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.vector) })
            let recovered = hits.filter { $0.vector != nil && $0.vector == storedVectors[$0.id] }.count
            if let winner = hits.first {
                say("fnn[\(backend)]: winner's vector (id \(winner.id), d = \(winner.vector?.count ?? 0)) recovered through the "
                    + "masked hand-over \(winner.vector != nil && winner.vector == storedVectors[winner.id] ? "and EQUALS" : "but DIFFERS FROM") "
                    + "the stored vector; \(recovered) of \(hits.count) top-\(k) vectors equal the stored ones")
            }
        } catch {
            await clouds.stop()
            throw error
        }
        await clouds.stop()
    }
}
