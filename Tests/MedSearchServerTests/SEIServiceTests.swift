import Foundation
import Hummingbird
import Logging
import MedSearchCore
import MedSearchSecureKNN
import MedSearchSEI
import MedSearchServer
import MedSearchTransport
import Testing

@Suite struct SEIServiceTests {
    /// A small owner, index and user over synthetic clustered features.
    struct World {
        var owner: SEIOwner
        var upload: SEIIndexUpload
        var user: SEIUser
        var features: [[Float]]
        var ids: [String]

        init() throws {
            var generator = SeededRandomNumberGenerator(seed: 42)
            let centres = (0..<6).map { _ in (0..<16).map { _ in Float.random(in: -10...10, using: &generator) } }
            features = (0..<90).map { i in centres[i % 6].map { $0 + Float.random(in: -2...2, using: &generator) } }
            ids = (0..<90).map { "img-\($0)" }
            owner = try SEIOwner.generate(configuration: .init(dimension: 6, affinitySampleSize: 90), using: &generator)
            upload = try owner.buildIndex(ids: ids, features: features)
            let secret = try SecureKNNUserSecret.generate(dimension: 6, using: &generator)
            user = try SEIUser(credentials: owner.register(secret.registrationRequest), secret: secret)
        }
    }

    func withServer(dataDirectory: URL, _ body: (String, [ServiceRole: String]) async throws -> Void) async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: [.owner, .user])
        let node = try await SEIService.Node(dataDirectory: dataDirectory)
        try await withLiveServer(SEIService.router(node: node, tokens: tokens), dataDirectory: dataDirectory) { url in
            try await body(url, byRole)
        }
    }

    @Test func liveRoundTripAndRestart() async throws {
        var world = try World()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sei-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let queryFeature = world.features[10]
        var firstHits = [String]()
        try await withServer(dataDirectory: directory) { url, tokens in
            let owner = ServiceClient(baseURL: url, token: tokens[.owner]!)
            let user = ServiceClient(baseURL: url, token: tokens[.user]!)
            // Before an index: a clear conflict.
            let (early, _) = try world.user.makeSearch(queryFeature, options: .init(k: 3))
            await #expect(throws: ServiceError.self) { try await user.call(Routes.SEI.search, body: early.serialized()) }
            // Users may not upload.
            await #expect(throws: ServiceError.self) { try await user.call(Routes.SEI.index, body: world.upload.serialized()) }
            _ = try await owner.call(Routes.SEI.index, body: world.upload.serialized())
            let sealed = try world.owner.sealImage([9, 8, 7], id: "img-10")
            _ = try await owner.call(Routes.SEI.images, body: SEISealedImages(images: [.init(id: "img-10", sealed: sealed)]).serialized())

            let (request, pending) = try world.user.makeSearch(queryFeature, options: .init(k: 5), anonymity: 2)
            let response = try SEISearchResponse(serialized: try await user.call(Routes.SEI.search, body: request.serialized()))
            let hits = try world.user.results(from: response, for: pending)
            #expect(hits.first?.id == "img-10")
            // Same answer as the engine in process.
            let local = try SEICloudIndex(upload: world.upload).search(request)
            #expect(try world.user.results(from: local, for: pending).map(\.id) == hits.map(\.id))
            firstHits = hits.map(\.id)

            let fetched = try SEISealedImages(serialized: try await user.call(Routes.SEI.fetch, body: SEIImageRequest(ids: ["img-10", "img-11"]).serialized()))
            #expect(fetched.images.count == 1)
            #expect(try world.user.openImage(fetched.images[0].sealed, id: "img-10") == [9, 8, 7])

            let add = try world.owner.addImages(ids: ["extra"], features: [queryFeature.map { $0 + 0.01 }])
            _ = try await owner.call(Routes.SEI.add, body: add.serialized())
            _ = try await owner.call(Routes.SEI.delete, body: try world.owner.deleteImages(ids: ["img-11"]).serialized())
            await #expect(throws: ServiceError.self) { try await owner.call(Routes.SEI.delete, body: SEIDeleteImages(ids: ["img-11"]).serialized()) }
            await #expect(throws: ServiceError.self) { try await owner.call(Routes.SEI.add, body: [1, 2, 3]) }
            let status = try await user.call(Routes.SEI.status, as: SEIServerStatus.self)
            #expect(status.indexed == 90)
            #expect(status.sealedImages == 1)
        }
        // A restart rebuilds the same index from SQLite.
        let node = try await SEIService.Node(dataDirectory: directory)
        let restored = try await node.snapshot()
        #expect(restored.count == 90)
        #expect(restored.contains("extra") && !restored.contains("img-11"))
        let (request, pending) = try world.user.makeSearch(queryFeature, options: .init(k: 6, mode: .linear))
        let hits = try world.user.results(from: restored.search(request), for: pending).map(\.id)
        #expect(Set(hits).isSuperset(of: ["extra", "img-10"]))
        #expect(Set(firstHits.filter { $0 != "img-11" }).isSubset(of: Set(hits)))
    }
}
