import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchSecureKNN
import MedSearchSEI

/// The demo's SEI part: starts `medsearch serve sei` on loopback, indexes the demo images (all but one),
/// registers a user, queries with the held-out image, prints SEI's top-k beside the plaintext top-k over the same
/// PCA features, decrypts the best result, adds and deletes an image, and stops the server.
enum SEIDemo {
    static func run(_ context: DemoContext) async throws {
        let say = context.printer
        let folder = try SEIClientFlows.folder(context.dataDirectory)
        guard folder.entries.count >= 4, let query = folder.entries.last else {
            throw DemoError.tooFewImages(engine: "sei", needed: 4, found: folder.entries.count)
        }
        let feature = SEIClientFlows.defaultFeature
        let model = try SEIClientFlows.featureModel(feature)
        let indexed = Array(folder.entries.dropLast())
        let raw = try SEIClientFlows.extract(indexed.map(\.url), model: model, label: "SEI features", progress: false)
        let d = min(64, raw[0].count, indexed.count - 1)

        // The cloud, as its own process.
        let cloud = try await LocalDeployment.seiCloud(context.launcher, directory: context.workDirectory.appendingPathComponent("sei"))
        do {
            say("SEI: cloud server at \(cloud.server.url) (matrix-encrypted \(feature) features, PCA to d = \(d); obfuscation only, see `medsearch sei --help`)")
            let ownerRemote = SEIRemote(service: try cloud.client(role: .owner))
            let userRemote = SEIRemote(service: try cloud.client(role: .user))

            // Owner: GenKey, GenIndex, EncImage, upload.
            var owner = try SEIOwner.generate(configuration: .init(dimension: d))
            let upload = try await SEIClientFlows.index(owner: &owner, entries: indexed, features: raw, feature: feature,
                                                        model: model, remote: ownerRemote)
            say("SEI: indexed \(upload.entries.count) images in \(upload.tree.leafCount) leaf clusters (tree height \(upload.tree.height)); images sealed with AES-256-GCM")

            // User: registration, GenTrap, Search, DecImage.
            let secret = try SecureKNNUserSecret.generate(dimension: d)
            let user = try SEIUser(credentials: owner.register(secret.registrationRequest), secret: secret)
            let queryFeature = model.extract(try SEIClientFlows.grayImage(Array(try Data(contentsOf: query.url))))
            let k = min(context.k, indexed.count)
            let result = try await SEIClientFlows.query(user: user, feature: queryFeature, options: .init(k: k),
                                                        anonymity: 3, fetch: true, remote: userRemote)
            let hits = result.hits

            // The plaintext reference: exact top-k over the same reduced features.
            let q = try user.model.reduce(queryFeature)
            let plain = try zip(indexed, raw).map { entry, feature -> (Double, String) in
                let f = try user.model.reduce(feature)
                return (zip(f, q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }, entry.id)
            }.sorted { $0 < $1 }.prefix(k).map(\.1)
            say("SEI: query \(query.id) (held out), K-anonymity 3 (two decoy trapdoors), top-\(k):")
            say("  rank  SEI (encrypted tree search)        plaintext exact (same PCA features)")
            for rank in 0..<k {
                let mine = rank < hits.count ? hits[rank].id : "-"
                say("  \(DemoText.pad(String(rank + 1), 4))  \(DemoText.pad(mine, 32)) \(plain[rank])")
            }
            let same = hits.map(\.id) == Array(plain)
            let overlap = Set(hits.map(\.id)).intersection(plain).count
            say("SEI: \(same ? "identical to" : "\(overlap) of \(k) shared with") the plaintext top-\(k); the cloud scored \(result.scoredImages) encrypted vectors for \(result.trapdoors) trapdoors")

            if let best = hits.first, let opened = result.images[best.id],
               let original = indexed.first(where: { $0.id == best.id }) {
                let same = opened == Array(try Data(contentsOf: original.url))
                say("SEI: decrypted \(best.id): \(opened.count) bytes, \(same ? "identical to the original file" : "DIFFERENT from the original")")
            }

            // Index maintenance: add the query image, find it, delete it.
            try await SEIClientFlows.add(owner: &owner, files: [(query.id, query.url)], remote: ownerRemote)
            let top = try await SEIClientFlows.query(user: user, feature: queryFeature, options: .init(k: 1), fetch: false,
                                                     remote: userRemote).hits
            try await SEIClientFlows.delete(owner: &owner, ids: [query.id], remote: ownerRemote)
            say("SEI: after adding \(query.id) it is its own top-1: \(top.first?.id == query.id ? "yes" : "no"); deleted again")
        } catch {
            await cloud.stop()
            throw error
        }
        await cloud.stop()
    }
}
