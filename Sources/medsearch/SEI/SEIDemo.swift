import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchSecureKNN
import MedSearchSEI
import MedSearchServer

/// `medsearch demo`'s SEI part: starts `medsearch serve sei` on loopback, indexes the demo images (all but
/// one), registers a user, queries with the held-out image, prints SEI's top-k beside the plaintext top-k
/// over the same PCA features, decrypts the best result, adds and deletes an image, and stops the server.
enum SEIDemo {
    static func run(_ context: DemoContext) async throws {
        let say = context.printer
        let folder = try SEIImageFolder.load(context.dataDirectory)
        guard folder.entries.count >= 4 else { throw SEICLIError("SEI demo needs at least 4 images in \(context.dataDirectory.path)") }
        let feature = SEICLI.defaultFeature
        let model = try SEICLI.featureModel(feature)
        let indexed = Array(folder.entries.dropLast())
        let query = folder.entries.last!
        let raw = try SEICLI.extract(indexed.map(\.url), model: model, label: "SEI features", progress: false)
        let d = min(64, raw[0].count, indexed.count - 1)

        // The cloud, as its own process.
        let (table, tokens) = AccessTokens.issue(roles: [.owner, .user])
        let tokenFile = context.workDirectory.appendingPathComponent("sei-tokens.json")
        try table.write(to: tokenFile)
        let server = try await ServiceProcess.launch(
            executable: context.executable,
            arguments: ["serve", "sei", "--data-dir", context.workDirectory.appendingPathComponent("sei-cloud").path,
                        "--tokens", tokenFile.path])
        do {
            say("SEI: cloud server at \(server.url) (matrix-encrypted \(feature) features, PCA to d = \(d); obfuscation only, see `medsearch sei --help`)")
            let ownerClient = ServiceClient(baseURL: server.url, token: tokens[.owner]!)
            let userClient = ServiceClient(baseURL: server.url, token: tokens[.user]!)

            // Owner: GenKey, GenIndex, EncImage, upload.
            var owner = try SEIOwner.generate(configuration: .init(dimension: d))
            let upload = try owner.buildIndex(ids: indexed.map(\.id), features: raw, extractorKind: feature,
                                              extractor: model.serialized())
            _ = try await ownerClient.post("/sei/v1/index", body: upload.serialized())
            try await SEICLI.uploadImages(indexed.map { ($0.id, $0.url) }, owner: owner, client: ownerClient)
            say("SEI: indexed \(upload.entries.count) images in \(upload.tree.leafCount) leaf clusters (tree height \(upload.tree.height)); images sealed with AES-256-GCM")

            // User: registration, GenTrap, Search, DecImage.
            let secret = try SecureKNNUserSecret.generate(dimension: d)
            let user = try SEIUser(credentials: owner.register(secret.registrationRequest), secret: secret)
            let queryFeature = model.extract(try SEICLI.grayImage(SEICLI.read(query.url.path)))
            let k = min(context.k, indexed.count)
            let (request, pending) = try user.makeSearch(queryFeature, options: .init(k: k), anonymity: 3)
            let response = try SEISearchResponse(serialized: try await userClient.post("/sei/v1/search", body: request.serialized()))
            let hits = try user.results(from: response, for: pending)

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
                say("  \(String(rank + 1).padding(toLength: 4, withPad: " ", startingAt: 0))  \(mine.padding(toLength: 32, withPad: " ", startingAt: 0)) \(plain[rank])")
            }
            let same = hits.map(\.id) == Array(plain)
            let overlap = Set(hits.map(\.id)).intersection(plain).count
            say("SEI: \(same ? "identical to" : "\(overlap) of \(k) shared with") the plaintext top-\(k); the cloud scored \(response.scoredImages) encrypted vectors for \(request.trapdoors.count) trapdoors")

            if let best = hits.first {
                let fetched = try SEISealedImages(serialized: try await userClient.post(
                    "/sei/v1/fetch", body: SEIImageRequest(ids: [best.id]).serialized()))
                if let sealed = fetched.images.first {
                    let plainImage = try user.openImage(sealed.sealed, id: best.id)
                    let original = try SEICLI.read(indexed.first { $0.id == best.id }!.url.path)
                    say("SEI: decrypted \(best.id): \(plainImage.count) bytes, \(plainImage == original ? "identical to the original file" : "DIFFERENT from the original")")
                }
            }

            // Index maintenance: add the query image, find it, delete it.
            let add = try owner.addImages(ids: [query.id], features: [queryFeature])
            _ = try await ownerClient.post("/sei/v1/add", body: add.serialized())
            let (again, pendingAgain) = try user.makeSearch(queryFeature, options: .init(k: 1))
            let top = try user.results(from: SEISearchResponse(serialized: try await userClient.post("/sei/v1/search", body: again.serialized())), for: pendingAgain)
            _ = try await ownerClient.post("/sei/v1/delete", body: owner.deleteImages(ids: [query.id]).serialized())
            say("SEI: after adding \(query.id) it is its own top-1: \(top.first?.id == query.id ? "yes" : "no"); deleted again")
        } catch {
            await server.terminate()
            throw error
        }
        await server.terminate()
    }
}
