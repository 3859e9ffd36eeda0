import Foundation
import MedSearchDeployment
import Hummingbird
import HummingbirdTesting
import MedSearchImaging
import MedSearchStore
@testable import MedSearchWeb
import Testing
import _MedSearchTestSupport

/// A test-only engine: exact squared Euclidean distance over the analysis pixels, in memory. It lets the router
/// tests check the search pages, grants and result rendering against a known ranking without server processes.
actor ExactTestEngine: WebEngine {
    nonisolated let name = "exact"
    nonisolated let title = "Exact (test)"
    nonisolated let securityNote = "Plaintext, for tests only."
    private var stored: [(String, [Float])] = []

    func ingest(_ items: [WebIngestItem]) async throws {
        stored += items.map { ($0.id, $0.image.values) }
    }

    func search(_ query: GrayImage, k: Int) async throws -> [WebSearchHit] {
        var scored: [(id: String, distance: Double)] = []
        for (id, values) in stored {
            var distance = 0.0
            for (a, b) in zip(values, query.values) {
                let difference = Double(a - b)
                distance += difference * difference
            }
            scored.append((id, distance))
        }
        scored.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.id < $1.id) }
        return scored.prefix(k).map { WebSearchHit(id: $0.id, score: $0.distance, scoreKind: "squared distance") }
    }

    func heldIDs() async -> Set<String> { Set(stored.map(\.0)) }

    /// Index entries, duplicates included.
    var count: Int { stored.count }

    func shutdown() async {}
}

@Suite struct WebSearchTests {
    @Test func searchNeedsAGrantAndRanksTheQueryImageFirst() async throws {
        let engine = ExactTestEngine()
        try await withWebApp(engines: [engine]) { web, client in
            var (owner, clinician, clinicianId) = try await ownerAndClinician(web, client)

            let images = try demoImages(4)
            let csrf = try await owner.get("/upload").csrf ?? ""
            let upload = try await owner.postMultipart("/upload", fields: ["_csrf": csrf, "labels": "Demo"],
                                                       files: images.map { ("files", $0.0, $0.1) })
            #expect(upload.status == .ok)
            #expect(upload.text.components(separatedBy: "stored as img-").count - 1 == 4)
            let records = try await web.store.images()
            let queryRecord = try #require(records.first(where: { $0.displayName == images[2].0 }))

            // Without a grant the engine is disabled in the form and a forged search is refused and audited.
            let form = try await clinician.get("/search")
            #expect(form.text.contains("value=\"exact\" disabled"))
            let refused = try await clinician.postMultipart("/search", fields: ["_csrf": form.csrf ?? "", "engine": "exact",
                                                                              "k": "3", "queryId": queryRecord.id], files: [])
            #expect(refused.status == .forbidden)
            // The refusal page is a normal page of the logged-in user: navigation with logout, security headers.
            #expect(refused.text.contains("id=\"logout\""))
            #expect(refused.headers[.init("Content-Security-Policy")!]?.hasPrefix("default-src 'self'") == true)
            let refusedSearches = try await web.store.auditLog().map { "\($0.username) \($0.action) \($0.outcome)" }
            #expect(refusedSearches.contains("clin1 search exact refused"))

            // With a grant: the stored query image is its own nearest neighbour (distance 0), k results.
            let key = try await web.store.createKey(engine: "exact", name: "k1", createdBy: "owner1")
            try await web.store.grant(keyId: try #require(key.id), userId: clinicianId, by: "owner1")
            let byId = try await clinician.postMultipart("/search", fields: ["_csrf": form.csrf ?? "", "engine": "exact",
                                                                           "k": "3", "queryId": queryRecord.id], files: [])
            #expect(byId.status == .ok)
            #expect(byId.text.components(separatedBy: "class=\"result\"").count - 1 == 3)
            let firstHit = try #require(byId.text.range(of: "/images/")).upperBound
            #expect(byId.text[firstHit...].hasPrefix(queryRecord.id))
            #expect(byId.text.contains("squared distance 0"))

            // Uploading the same file as the query gives the same top-1; k out of range is refused.
            let byFile = try await clinician.postMultipart("/search", fields: ["_csrf": form.csrf ?? "", "engine": "exact", "k": "1"],
                                                           files: [("query", images[2].0, images[2].1)])
            #expect(byFile.text.contains("/images/\(queryRecord.id)/thumb"))
            let badK = try await clinician.postMultipart("/search", fields: ["_csrf": form.csrf ?? "", "engine": "exact", "k": "500",
                                                                           "queryId": queryRecord.id], files: [])
            #expect(badK.status == .badRequest)
            let traversal = try await clinician.postMultipart("/search", fields: ["_csrf": form.csrf ?? "", "engine": "exact", "k": "1"],
                                                              files: [("query", "../secret.png", images[0].1)])
            #expect(traversal.status == .badRequest)
            let okSearches = try await web.store.auditLog().map { "\($0.action) \($0.outcome)" }.filter { $0 == "search exact ok" }
            #expect(okSearches.count == 2)
        }
    }

    @Test func dicomUploadsAreDeidentifiedBeforeSealing() async throws {
        let dicom = TestData.root.appendingPathComponent("DemoData/dicom/CT_small.dcm")
        let bytes = Array(try Data(contentsOf: dicom))
        let patientName = Array("CompressedSamples^CT1".utf8)
        #expect(MultipartParser.find(patientName, in: bytes, from: 0) != nil)
        try await withWebApp { web, client in
            var owner = WebTestClient(client: client)
            _ = try await owner.register("owner1", role: "owner")
            _ = try await owner.login("owner1")
            let csrf = try await owner.get("/upload").csrf ?? ""
            let upload = try await owner.postMultipart("/upload", fields: ["_csrf": csrf], files: [("files", "CT_small.dcm", bytes)])
            #expect(upload.status == .ok)
            let record = try #require(try await web.store.images().first)
            #expect(record.format == "dicom")
            #expect(record.modality == "CT")
            let stored = try web.vault.load(id: record.id)
            #expect(MultipartParser.find(patientName, in: stored, from: 0) == nil)
            #expect(try await owner.get("/images/\(record.id)/thumb").status == .ok)
        }
    }

    @Test func anEngineAddedLaterReceivesTheStoredImages() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-catchup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = WebConfiguration(dataDirectory: directory, bcryptCost: 4)
        let images = try demoImages(3)
        do {
            let web = try await WebApplication(configuration: configuration, engines: [])
            let outcomes = await UploadPipeline(app: web).process(images.map { UploadedFile(field: "files", fileName: $0.0, bytes: $0.1) },
                                                                  labels: ["Demo"], username: "owner1")
            #expect(outcomes.allSatisfy { $0.stored })
        }
        // A restart with an engine that holds nothing: it receives the three stored images, in their analysis form.
        let engine = ExactTestEngine()
        let web = try await WebApplication(configuration: configuration, engines: [engine])
        #expect(try await web.catchUpEngines() == ["exact": 3])
        let ids = try await web.store.images().map(\.id)
        #expect(await engine.heldIDs() == Set(ids))
        let query = try UploadPipeline(app: web).analysisImage(of: ids[0])
        let hits = try await engine.search(query, k: 1)
        #expect(hits == [WebSearchHit(id: ids[0], score: 0, scoreKind: "squared distance")])
        #expect(try await web.catchUpEngines() == ["exact": 0])
    }

    @Test func unknownEnginesAreRefusedWithAClearError() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-engines-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect(throws: WebError.self) {
            _ = try await WebEngines.start(names: ["nosuch"], directory: directory,
                                           launcher: RoleLauncher(mode: .childProcess(executable: URL(fileURLWithPath: "/nonexistent/medsearch"))))
        }
    }
}
