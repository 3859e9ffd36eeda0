import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchImaging
import MedSearchTrustMed

/// The demo's TrustMedSearch part: an edge master and five storage nodes as real processes on
/// loopback; the demo images are sealed, hashed, BFV-encrypted and uploaded; one query's encrypted top-k is
/// printed beside the plaintext Hamming top-k; then two storage nodes are killed and the query repeated.
enum TrustMedDemo {
    static func run(_ context: DemoContext) async throws {
        let say = context.printer
        let dataset = try TrustMedDataset.load(context.dataDirectory)
        guard dataset.entries.count >= 16 else {
            say("trustmed: skipped (need at least 16 demo images, found \(dataset.entries.count))")
            return
        }
        let n = 5, m = 3
        var bytesByID: [String: [UInt8]] = [:]
        var grays = [GrayImage]()
        for entry in dataset.entries {
            let bytes = Array(try Data(contentsOf: entry.url))
            bytesByID[entry.id] = bytes
            grays.append(try TrustMedDataset.grayImage(bytes))
        }
        let bits = min(64, max(16, dataset.entries.count / 2 / 8 * 8))
        let model = try TrustMedHashing.train(images: grays, bits: bits, base: TrustMedHashing.defaultBase)
        var codes: [String: [UInt8]] = [:]
        for (entry, gray) in zip(dataset.entries, grays) { codes[entry.id] = try TrustMedHashing.bits(of: gray, model: model) }

        say("trustmed: starting an edge master and \(n) storage nodes (m = \(m)) on loopback")
        let cluster = try await LocalDeployment.trustMedCluster(context.launcher,
                                                               directory: context.workDirectory.appendingPathComponent("trustmed"),
                                                               nodes: n, threshold: m, nodeTimeout: .seconds(2))
        do {
            let keys = try TrustMedDefaults.generateClientKeys(hashBits: bits, parameterSet: TrustMedDefaults.defaultParameterSet)
            let client = try TrustMedDefaults.client(keys: keys)
            let owner = TrustMedRemote(service: cluster.masterClient(role: .owner))
            let user = TrustMedRemote(service: cluster.masterClient(role: .user))
            try await owner.register(client.registration)
            let images = dataset.entries.map { TrustMedClient.Image(recordID: $0.id, bytes: bytesByID[$0.id]!, hashcode: codes[$0.id]!) }
            var stored = 0
            for request in try client.uploadRequests(for: images) {
                stored += try await owner.upload(request).outcomes.filter { $0.status != .failed }.count
            }
            say("trustmed: uploaded \(stored) sealed images; hashcodes (\(bits) bits) BFV-encrypted under the client's key")

            let query = dataset.entries[0]
            let k = min(context.k, dataset.entries.count)
            let start = ContinuousClock.now
            let (ranked, retrieved) = try await user.query(client: client, hashcode: codes[query.id]!, k: k)
            let elapsed = ContinuousClock.now - start
            let plain = try TrustMedPlaintext.topK(query: codes[query.id]!, ids: dataset.entries.map(\.id), codes: codes, k: k)
            say("trustmed: query \(query.id) [\(query.labels.sorted().joined(separator: "|"))], top-\(k) in \(DemoText.milliseconds(elapsed)) ms")
            say("  rank  encrypted (distance)                  plaintext Hamming (distance)")
            for i in 0..<k {
                let e = i < ranked.count ? "\(ranked[i].recordID) (\(ranked[i].distance))" : "-"
                let p = i < plain.count ? "\(plain[i].recordID) (\(plain[i].distance))" : "-"
                say("  \(DemoText.pad(String(i + 1), 4))  \(DemoText.pad(e, 38))  \(p)")
            }
            let intact = retrieved.allSatisfy { (try? $0.result.get()) == bytesByID[$0.recordID] }
            say("trustmed: encrypted top-\(k) \(ranked == plain ? "MATCHES" : "DIFFERS FROM") plaintext; \(intact ? "all images rebuilt from 3 of 5 shares and opened intact" : "SOME IMAGES NOT RETRIEVED")")

            await cluster.killNode(1)
            await cluster.killNode(3)
            let (again, images2) = try await user.query(client: client, hashcode: codes[query.id]!, k: k)
            let intact2 = images2.allSatisfy { (try? $0.result.get()) == bytesByID[$0.recordID] }
            say("trustmed: with storage nodes 1 and 3 killed: \(again == plain && intact2 ? "same results, all images intact" : "results changed or images missing")")
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }
    }
}
