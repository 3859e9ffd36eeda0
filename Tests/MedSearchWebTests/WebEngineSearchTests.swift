import Foundation
import Hummingbird
import HummingbirdTesting
import MedSearchDeployment
import MedSearchImaging
import MedSearchStore
@testable import MedSearchWeb
import Testing
import _MedSearchTestSupport

/// Router tests with the real engines: each starts its untrusted servers as `medsearch serve ...` processes on
/// loopback, images are uploaded through the upload page, and a clinician with a grant searches through the
/// search page. Exact engines (FNN, TrustMedSearch's Hamming ranking) must return the plaintext top-k.
@Suite(.serialized, .needsMedsearchExecutable)
struct WebEngineSearchTests {
    /// Starts every engine's servers as child processes of the built `medsearch`.
    let launcher = RoleLauncher(mode: .childProcess(executable: TestData.medsearchExecutable
        ?? URL(fileURLWithPath: "/nonexistent/medsearch")))

    func temporaryDirectory(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("web-\(name)-\(UUID().uuidString)")
    }

    /// Uploads `images` as an owner, approves and grants a clinician the engine's key, and returns the clinician's
    /// client, a CSRF token of the search form and the stored records.
    func prepare(_ web: WebApplication, _ client: any TestClientProtocol, engine: String,
                 images: [(String, [UInt8])]) async throws -> (WebTestClient, String, [WebImageRecord]) {
        var owner = WebTestClient(client: client)
        _ = try await owner.register("owner1", role: "owner")
        // The first account registered is the administrator; a later owner is approved here.
        let ownerId = try #require(try await web.store.users().first(where: { $0.username == "owner1" })?.id)
        _ = try await web.store.setStatus(userId: ownerId, status: .approved, role: .owner)
        _ = try await owner.login("owner1")
        let csrf = try await owner.get("/upload").csrf ?? ""
        let upload = try await owner.postMultipart("/upload", fields: ["_csrf": csrf, "labels": "Demo"],
                                                   files: images.map { ("files", $0.0, $0.1) })
        #expect(upload.status == .ok)
        #expect(upload.text.components(separatedBy: "stored as img-").count - 1 == images.count)
        var clinician = WebTestClient(client: client)
        _ = try await clinician.register("clin1")
        let clinicianId = try #require(try await web.store.users().first(where: { $0.username == "clin1" })?.id)
        _ = try await web.store.setStatus(userId: clinicianId, status: .approved, role: .clinician)
        let key = try await web.store.createKey(engine: engine, name: "k-\(engine)", createdBy: "owner1")
        try await web.store.grant(keyId: try #require(key.id), userId: clinicianId, by: "owner1")
        _ = try await clinician.login("clin1")
        let form = try await clinician.get("/search")
        #expect(form.text.contains("value=\"\(engine)\" >") || form.text.contains("value=\"\(engine)\" "))
        #expect(!form.text.contains("value=\"\(engine)\" disabled"))
        return (clinician, form.csrf ?? "", try await web.store.images())
    }

    /// Searches through the search page as `clinician` with the stored image `queryId`; the page must load.
    func search(_ clinician: inout WebTestClient, csrf: String, engine: String, k: Int,
                queryId: String) async throws -> WebTestClient.Page {
        let page = try await clinician.postMultipart("/search", fields: [
            "_csrf": csrf, "engine": engine, "k": String(k), "queryId": queryId], files: [])
        #expect(page.status == .ok)
        return page
    }

    /// The result ids of a results page, in rank order.
    func resultIDs(_ page: String) -> [String] {
        page.components(separatedBy: "<img src=\"/images/").dropFirst().map { String($0.prefix(while: { $0 != "/" })) }
    }

    /// The analysis image the web server computes for stored bytes (what engines index and search with).
    func analysisImage(_ web: WebApplication, id: String) throws -> GrayImage {
        try UploadPipeline(app: web).analysisImage(of: id)
    }

    /// Runs `body` against a web application serving `engine`, then shuts the engine's servers down (also when
    /// `body` throws).
    func withWebApp(serving engine: any WebEngine,
                    _ body: @escaping @Sendable (WebApplication, any TestClientProtocol) async throws -> Void) async throws {
        try await withCleanup {
            try await MedSearchWebTests.withWebApp(engines: [engine], body)
        } cleanup: {
            await engine.shutdown()
        }
    }

    @Test func fnnSearchReturnsThePlaintextExactTopK() async throws {
        let directory = temporaryDirectory("fnn")
        defer { try? FileManager.default.removeItem(at: directory) }
        let engine = try await FNNWebEngine.start(directory: directory, launcher: launcher,
                                                  options: .init(poolSize: 2))
        try await withWebApp(serving: engine) { web, client in
            let (clinician0, csrf, records) = try await prepare(web, client, engine: "fnn", images: try demoImages(12))
            var clinician = clinician0
            // Three searches: more than the pool of 2 correlation entries, so the engine must replenish.
            for query in records.prefix(3) {
                let page = try await search(&clinician, csrf: csrf, engine: "fnn", k: 5, queryId: query.id)
                let reference = try await engine.plaintextTopK(try analysisImage(web, id: query.id), k: 5)
                #expect(resultIDs(page.text) == reference.map(\.id))
                #expect(reference.first?.id == query.id && reference.first?.squaredDistance == 0)
                #expect(page.text.contains("squared distance (exact, pixels 16x16) 0<"))
                // Exact distances are shown in full (not rounded to 4 digits).
                #expect(reference.allSatisfy { page.text.contains("16x16) \($0.squaredDistance)<") })
            }
            // The engine's own answer carries the exact squared distances of the plaintext search.
            let query = try analysisImage(web, id: records[5].id)
            let hits = try await engine.search(query, k: 4)
            let reference = try await engine.plaintextTopK(query, k: 4)
            #expect(hits.map(\.id) == reference.map(\.id))
            #expect(hits.map { Int64($0.score) } == reference.map(\.squaredDistance))
            #expect(try await web.store.auditLog().filter { $0.action == "search fnn" && $0.outcome == "ok" }.count == 3)
            // Images added after searches (correlation entries partly consumed) are found exactly too.
            let later = try demoImages(14).suffix(2).enumerated().map { index, image in
                WebIngestItem(id: "img-later\(index)", image: try ImageLoader.decode(image.1).analysisImage(side: 128),
                              labels: [], bytes: image.1)
            }
            try await engine.ingest(later)
            for item in later {
                let found = try await engine.search(item.image, k: 3)
                let expected = try await engine.plaintextTopK(item.image, k: 3)
                #expect(found.first?.id == item.id && found.first?.score == 0)
                #expect(found.map(\.id) == expected.map(\.id))
                #expect(found.map { Int64($0.score) } == expected.map(\.squaredDistance))
            }
        }
    }

    @Test func trustMedSearchReturnsThePlaintextHammingTopKAndRebuildsImages() async throws {
        let directory = temporaryDirectory("trustmed")
        defer { try? FileManager.default.removeItem(at: directory) }
        // The insecure BFV test parameters keep the debug run short; the web server uses n4096 (128-bit).
        let engine = try await TrustMedWebEngine.start(
            directory: directory, launcher: launcher,
            options: .init(minimumImages: 18, parameterSet: "insecureN1024"))
        try await withWebApp(serving: engine) { web, client in
            // Before the hash model exists (fewer than 18 images) a search is refused with the reason.
            let images = try demoImages(20)
            var early = WebTestClient(client: client)
            _ = try await early.register("owner0", role: "owner")
            _ = try await early.login("owner0")
            let csrf0 = try await early.get("/upload").csrf ?? ""
            _ = try await early.postMultipart("/upload", fields: ["_csrf": csrf0], files: [("files", images[0].0, images[0].1)])
            let none = try await engine.uploadedCount
            #expect(none == 0)
            await #expect(throws: WebError.self) {
                _ = try await engine.search(GrayImage(rows: 8, columns: 8, values: Array(repeating: 0.5, count: 64)), k: 3)
            }

            let (clinician0, csrf, records) = try await prepare(web, client, engine: "trustmed",
                                                               images: Array(images.dropFirst()))
            var clinician = clinician0
            let uploaded = try await engine.uploadedCount
            #expect(uploaded == 20)
            for query in records.prefix(2) {
                let page = try await search(&clinician, csrf: csrf, engine: "trustmed", k: 5, queryId: query.id)
                let reference = try await engine.plaintextTopK(try analysisImage(web, id: query.id), k: 5)
                #expect(resultIDs(page.text) == reference.map(\.id))
                #expect(reference.first?.distance == 0)
                #expect(page.text.components(separatedBy: "image rebuilt from 3 of 5 shares").count - 1 == 5)
            }
            // With n - m = 2 storage nodes down, the ranking and every image rebuild are unchanged.
            await engine.killStorageNode(0)
            await engine.killStorageNode(4)
            try #require(records.count == 20)
            let query = try analysisImage(web, id: records[3].id)
            let hits = try await engine.search(query, k: 5)
            let reference = try await engine.plaintextTopK(query, k: 5)
            #expect(hits.map(\.id) == reference.map(\.id))
            #expect(hits.map { Int($0.score) } == reference.map(\.distance))
            #expect(hits.allSatisfy { $0.detail == "image rebuilt from 3 of 5 shares" })
        }
    }

    @Test func seiSearchFindsTheStoredQueryImage() async throws {
        let directory = temporaryDirectory("sei")
        defer { try? FileManager.default.removeItem(at: directory) }
        let engine = try await SEIWebEngine.start(directory: directory, launcher: launcher)
        try await withWebApp(serving: engine) { web, client in
            let (clinician0, csrf, records) = try await prepare(web, client, engine: "sei", images: try demoImages(10))
            var clinician = clinician0
            let query = try #require(records.first)
            let page = try await search(&clinician, csrf: csrf, engine: "sei", k: 4, queryId: query.id)
            let ids = resultIDs(page.text)
            // SEI is approximate (index tree): k distinct stored images; a stored query finds itself first.
            #expect(ids.count == 4)
            #expect(Set(ids).count == 4)
            #expect(Set(ids).isSubset(of: Set(records.map(\.id))))
            #expect(ids.first == query.id)
        }
    }

    @Test func fnnAndTrustMedKeepTheirIndexAcrossARestart() async throws {
        let directory = temporaryDirectory("restart")
        defer { try? FileManager.default.removeItem(at: directory) }
        let images = try demoImages(19).map { name, bytes in
            WebIngestItem(id: "img-" + name.prefix(16).filter { $0.isNumber }, image: try ImageLoader.decode(bytes).analysisImage(side: 128),
                          labels: [], bytes: bytes)
        }
        let query = images[7].image
        let trustMedOptions = TrustMedWebEngine.Options(minimumImages: 18, parameterSet: "insecureN1024")
        var before: [[WebSearchHit]] = []
        do {
            let fnn = try await FNNWebEngine.start(directory: directory.appendingPathComponent("fnn"), launcher: launcher)
            let trustMed = try await TrustMedWebEngine.start(directory: directory.appendingPathComponent("trustmed"),
                                                             launcher: launcher, options: trustMedOptions)
            for engine in [fnn, trustMed] as [any WebEngine] {
                try await engine.ingest(Array(images.prefix(10)))
                try await engine.ingest(Array(images.dropFirst(10)))
                before.append(try await engine.search(query, k: 4))
                await engine.shutdown()
            }
        }
        #expect(before.allSatisfy { $0.count == 4 && $0.first?.id == images[7].id })
        // New server processes on new ports over the same data: the same answers, no re-upload.
        let fnn = try await FNNWebEngine.start(directory: directory.appendingPathComponent("fnn"), launcher: launcher)
        let trustMed = try await TrustMedWebEngine.start(directory: directory.appendingPathComponent("trustmed"),
                                                         launcher: launcher, options: trustMedOptions)
        var after: [[WebSearchHit]] = []
        for engine in [fnn, trustMed] as [any WebEngine] {
            after.append(try await engine.search(query, k: 4))
            await engine.shutdown()
        }
        #expect(after == before)
    }

    @Test func everyEngineStartsTogetherAndUnknownOnesAreRefused() async throws {
        let directory = temporaryDirectory("all")
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect(throws: WebError.self) {
            _ = try await WebEngines.start(names: ["fnn", "nosuch"], directory: directory, launcher: launcher)
        }
        let engines = try await WebEngines.start(names: WebEngines.available, directory: directory, launcher: launcher)
        #expect(engines.map(\.name) == ["fnn", "sei", "trustmed"])
        #expect(engines.allSatisfy { !$0.securityNote.isEmpty && !$0.securityNote.contains("\n") })
        for engine in engines { await engine.shutdown() }
    }
}
