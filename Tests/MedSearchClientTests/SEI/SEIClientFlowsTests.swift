import Foundation
import MedSearchClient
import MedSearchDeployment
import MedSearchSecureKNN
import MedSearchSEI
import MedSearchTransport
import Testing
import _MedSearchTestSupport

/// SEI's client flows against a cloud started in process on loopback (the same flows the CLI, the demo and the
/// web application call).
@Suite struct SEIClientFlowsTests {
    @Test func indexQueryFetchAddAndDeleteOverTheNetwork() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sei-flows-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try SEIClientFlows.folder(TestData.root.appendingPathComponent("DemoData"), limit: 13)
        #expect(folder.entries.count == 13)
        let indexed = Array(folder.entries.prefix(12)), extra = folder.entries[12]
        let model = try SEIClientFlows.featureModel("lbp")
        let features = try SEIClientFlows.extract(indexed.map(\.url), model: model, label: "lbp", progress: false)
        #expect(features.count == 12 && features.allSatisfy { $0.count == model.dimension })

        let cloud = try await SEICloud.launch(RoleLauncher(mode: .inProcess), directory: directory)
        try await withCleanup {
            let ownerRemote = SEIRemote(service: try cloud.client(role: .owner))
            let userRemote = SEIRemote(service: try cloud.client(role: .user))
            var owner = try SEIOwner.generate(configuration: .init(dimension: 8))
            let upload = try await SEIClientFlows.index(owner: &owner, entries: indexed, features: features, feature: "lbp",
                                                        model: model, remote: ownerRemote)
            #expect(upload.entries.count == 12)
            var status = try await ownerRemote.status()
            #expect(status.indexed == 12 && status.sealedImages == 12)

            let secret = try SecureKNNUserSecret.generate(dimension: 8)
            let user = try SEIUser(credentials: owner.register(secret.registrationRequest), secret: secret)
            // An indexed image finds itself first, and its fetched copy opens to the original bytes.
            let result = try await SEIClientFlows.query(user: user, feature: features[3], options: .init(k: 3, mode: .linear),
                                                        anonymity: 2, fetch: true, remote: userRemote)
            #expect(result.hits.first?.id == indexed[3].id)
            #expect(result.trapdoors == 2 && result.scoredImages > 0)
            #expect(result.images[indexed[3].id] == Array(try Data(contentsOf: indexed[3].url)))
            #expect(Set(result.images.keys) == Set(result.hits.map(\.id)))

            // A user may not change the index.
            await #expect(throws: ServiceError.self) {
                try await userRemote.delete(SEIDeleteImages(ids: [indexed[0].id]))
            }
            // Add, find, delete.
            try await SEIClientFlows.add(owner: &owner, files: [(extra.id, extra.url)], remote: ownerRemote)
            let extraFeature = try SEIClientFlows.extract([extra.url], model: model, label: "", progress: false)[0]
            let found = try await SEIClientFlows.query(user: user, feature: extraFeature, options: .init(k: 1, mode: .linear),
                                                       fetch: false, remote: userRemote)
            #expect(found.hits.map(\.id) == [extra.id] && found.images.isEmpty)
            try await SEIClientFlows.delete(owner: &owner, ids: [extra.id], remote: ownerRemote)
            status = try await ownerRemote.status()
            #expect(status.indexed == 12)
            #expect(SEIClientFlows.fileExtension(of: Array(try Data(contentsOf: indexed[0].url))) == "png")
        } cleanup: {
            await cloud.stop()
        }
    }

    @Test func unreadableImagesAreNamed() throws {
        let model = try SEIClientFlows.featureModel("lbp")
        let missing = URL(fileURLWithPath: "/nonexistent/image.png")
        #expect {
            _ = try SEIClientFlows.extract([missing], model: model, label: "", progress: false)
        } throws: { error in
            guard case let .unreadableFile(path, _) = error as? MedSearchClientError else { return false }
            return path == missing.path
        }
    }
}
