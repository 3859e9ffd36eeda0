import AsyncHTTPClient
import Foundation
import Hummingbird
import MedSearchClient
import MedSearchDeployment
import MedSearchDICOMweb
import MedSearchImaging
import NIOCore
import NIOHTTP1
@testable import MedSearchWeb
import Testing
import _MedSearchTestSupport

/// The PACS scenarios against real components that scripts/test.sh starts: Orthanc with its DICOMweb plugin
/// (MEDSEARCH_ORTHANC_URL, a `DicomWeb.Servers` entry "medsearch" pointing at MEDSEARCH_DICOMWEB_PORT with
/// MEDSEARCH_DICOMWEB_TOKEN) and the Python dicomweb-client package (MEDSEARCH_DICOMWEB_PYTHON).
/// MedSearch runs live on that port with a plaintext test engine, so the scenarios test DICOMweb, not an engine.
@Suite(.serialized, .timeLimit(.minutes(5))) struct WebDICOMwebScenarioTests {
    static let environment = ProcessInfo.processInfo.environment
    static let orthanc = environment["MEDSEARCH_ORTHANC_URL"]
    static let port = environment["MEDSEARCH_DICOMWEB_PORT"].flatMap(Int.init)
    static let token = environment["MEDSEARCH_DICOMWEB_TOKEN"]
    static let python = environment["MEDSEARCH_DICOMWEB_PYTHON"]
    static let orthancReady = orthanc != nil && port != nil && token != nil

    static func trace(_ message: String) {
        FileHandle.standardError.write(Data("TRACE \(Date()) \(message)\n".utf8))
    }

    /// Runs `body` with MedSearch listening on MEDSEARCH_DICOMWEB_PORT (the owner `pacs` holds the token).
    static func withLiveMedSearch(engines: [any WebEngine] = [ExactTestEngine()],
                                  _ body: @escaping @Sendable (WebApplication, String) async throws -> Void) async throws {
        guard let port, let token else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dicomweb-scenario-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let web = try await WebApplication(
            configuration: WebConfiguration(host: "127.0.0.1", port: port, dataDirectory: directory, bcryptCost: 4,
                                            maxFileBytes: 8 << 20, dicomwebTokens: [token: "pacs"]),
            engines: engines)
        _ = try await web.store.register(username: "admin", fullName: "Admin", password: "correct horse battery")
        let pacs = try await web.store.register(username: "pacs", fullName: "PACS", password: "correct horse battery")
        _ = try await web.store.setStatus(userId: pacs.id ?? 0, status: .approved, role: .owner)
        // Orthanc pushes to this fixed port, so MedSearch must really hold it: the body runs only once this server
        // is listening (a port taken by another process fails the test with the bind error instead).
        let (listening, announce) = AsyncStream<Void>.makeStream()
        let app = Application(router: web.makeRouter(),
                              configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { _ in announce.yield() })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { announce.finish() }
                try await app.runService()
                trace("live: server stopped")
            }
            var announced = listening.makeAsyncIterator()
            guard await announced.next() != nil else {
                PortHolders.report(port)
                try await group.next()
                throw DICOMwebIngest.Failure.http(url: "127.0.0.1:\(port)", status: 0, message: "the test server stopped before listening")
            }
            let base = "http://127.0.0.1:\(port)/dicom-web"
            trace("live: listening on \(port)")
            do { try await body(web, base) } catch {
                trace("live: body threw \(error)")
                group.cancelAll()
                throw error
            }
            trace("live: body done")
            group.cancelAll()
        }
        trace("live: group ended")
    }

    static func http(_ url: String, method: HTTPMethod = .GET, body: [UInt8]? = nil, contentType: String? = nil,
                     headers: [(String, String)] = []) async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        return (Int(response.status.code), Array(try await response.body.collect(upTo: 1 << 28).readableBytesView))
    }

    static func instances(_ seed: String, count: Int, from offset: Int = 0) throws -> [(patient: SecondaryCapture.Patient,
                                                                  placement: SecondaryCapture.Placement, bytes: [UInt8])] {
        let directory = TestData.root.appendingPathComponent("DemoData/images")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().dropFirst(offset).prefix(count)
        let images = try names.map { try ImageLoader.decode(Array(try Data(contentsOf: directory.appendingPathComponent($0)))) }
        return try SecondaryCapture.studySet(images, perStudy: 4, seed: seed)
    }

    /// Orthanc's JSON answer.
    static func orthancJSON(_ path: String, post: String? = nil) async throws -> Any {
        let (status, bytes) = try await http((orthanc ?? "") + path, method: post == nil ? .GET : .POST,
                                             body: post.map { Array($0.utf8) }, contentType: post == nil ? nil : "application/json")
        guard (200..<300).contains(status) else {
            throw DICOMwebIngest.Failure.http(url: path, status: status, message: String(decoding: bytes, as: UTF8.self))
        }
        return try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    @Test(.enabled(if: orthancReady, "needs Orthanc from scripts/test.sh (MEDSEARCH_ORTHANC_URL)"))
    func orthancScenarios() async throws {
        let pulled = try Self.instances("pull", count: 8)  // two studies in Orthanc, pulled by ingest
        let pushed = try Self.instances("push", count: 4)  // one study Orthanc pushes with STOW-RS
        for instance in pulled + pushed {
            let (status, _) = try await Self.http((Self.orthanc ?? "") + "/instances", method: .POST, body: instance.bytes,
                                                  contentType: "application/dicom")
            #expect(status == 200)
        }
        try await Self.withLiveMedSearch { web, base in
            // (a) MedSearch pulls the "pull" studies from Orthanc with `ingest --dicomweb` (the library flow).
            let options = DICOMwebIngest.Options(source: (Self.orthanc ?? "") + "/dicom-web", target: base,
                                                 targetToken: Self.token ?? "", since: nil, batchSize: 3)
            let first = try await DICOMwebIngest(options).run()
            #expect(first.studies == 3)
            #expect(first.indexed == 12 && first.skipped == 0 && first.refused.isEmpty)
            let again = try await DICOMwebIngest(options).run()
            #expect(again.indexed == 0 && again.skipped == 12)
            let study = pulled[0].placement.studyUID
            let one = try await DICOMwebIngest(DICOMwebIngest.Options(
                source: (Self.orthanc ?? "") + "/dicom-web", target: base, targetToken: Self.token ?? "", study: study)).run()
            #expect(one.studies == 1 && one.skipped == 4)
            let none = try await DICOMwebIngest(DICOMwebIngest.Options(
                source: (Self.orthanc ?? "") + "/dicom-web", target: base, targetToken: Self.token ?? "", since: "20990101")).run()
            #expect(none.studies == 0)
            #expect(await web.dicomwebCatalog.entry(sop: pulled[5].placement.sopInstanceUID)?.attributes.string(.patientName)
                    == pulled[5].patient.name)

            // (b) Orthanc pushes a study to MedSearch with its DICOMweb plugin (STOW-RS), after MedSearch forgot it.
            let fresh = try Self.instances("orthanc-push", count: 4)
            for instance in fresh {
                _ = try await Self.http((Self.orthanc ?? "") + "/instances", method: .POST, body: instance.bytes,
                                        contentType: "application/dicom")
            }
            let lookup = try await Self.orthancJSON("/tools/lookup", post: fresh[0].placement.studyUID) as? [[String: Any]]
            let orthancStudy = try #require(lookup?.first?["ID"] as? String)
            _ = try await Self.orthancJSON("/dicom-web/servers/medsearch/stow", post: "{\"Resources\": [\"\(orthancStudy)\"]}")
            for instance in fresh {
                #expect(await web.dicomwebCatalog.contains(instance.placement.sopInstanceUID))
            }

            // (c) An instance found by search-similar is opened back from MedSearch by Orthanc's DICOMweb client.
            // Pixels no other instance of this run has, so the stored instance is its own only nearest neighbour.
            let only = try Self.instances("only-in-medsearch", count: 2, from: 40)
            let boundary = "scenario-c"
            let (stowStatus, _) = try await Self.http(base + "/studies", method: .POST,
                                                      body: MultipartRelatedWriter.body(boundary: boundary, parts: only.map { ("application/dicom", $0.bytes) }),
                                                      contentType: "multipart/related; type=\"application/dicom\"; boundary=\(boundary)",
                                                      headers: [("Authorization", "Bearer \(Self.token ?? "")")])
            #expect(stowStatus == 200)
            let target = only[1].placement
            let (searchStatus, searchBody) = try await Self.http(
                base + "/studies/search-similar?engine=exact&k=5&instance=\(target.sopInstanceUID)", method: .POST,
                headers: [("Authorization", "Bearer \(Self.token ?? "")")])
            #expect(searchStatus == 200)
            let best = try #require(try DICOMJSON.decode(searchBody).first)
            #expect(best.string(.sopInstanceUID) == target.sopInstanceUID)
            let retrieve = "{\"Resources\": [{\"Study\": \"\(target.studyUID)\", \"Series\": \"\(target.seriesUID)\", "
                + "\"Instance\": \"\(target.sopInstanceUID)\"}]}"
            _ = try await Self.orthancJSON("/dicom-web/servers/medsearch/retrieve", post: retrieve)
            let found = try await Self.orthancJSON("/tools/lookup", post: target.sopInstanceUID) as? [[String: Any]]
            let orthancInstance = try #require(found?.first?["ID"] as? String)
            let tags = try await Self.orthancJSON("/instances/\(orthancInstance)/simplified-tags") as? [String: Any]
            #expect(tags?["PatientName"] as? String == only[1].patient.name)  // the real patient, re-identified
        }
    }

    /// (b) through a real engine: Orthanc pushes 20 instances (5 studies) to MedSearch running TrustMedSearch, its
    /// edge master and 5 storage nodes as `medsearch serve` processes (insecure n = 1024 BFV test parameters to keep
    /// the debug run short; the hash model is trained at 18 images). Search-similar's ranking and distances equal
    /// the plaintext Hamming top-k of the same hashcodes (`TrustMedPlaintext`, ties by record id), best first.
    @Test(.enabled(if: orthancReady && TestData.medsearchExecutable != nil,
                   "needs Orthanc from scripts/test.sh (MEDSEARCH_ORTHANC_URL) and the built medsearch"))
    func orthancPushSearchedThroughTrustMed() async throws {
        let instances = try Self.instances("trustmed", count: 20, from: 60)
        var orthancStudies: Set<String> = []
        for instance in instances {
            let (status, body) = try await Self.http((Self.orthanc ?? "") + "/instances", method: .POST, body: instance.bytes,
                                                     contentType: "application/dicom")
            #expect(status == 200)
            let answer = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            if let study = answer?["ParentStudy"] as? String { orthancStudies.insert(study) }
        }
        #expect(orthancStudies.count == 5)
        let resources = orthancStudies.sorted().map { "\"\($0)\"" }.joined(separator: ",")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dicomweb-trustmed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let launcher = RoleLauncher(mode: .childProcess(executable: TestData.medsearchExecutable
            ?? URL(fileURLWithPath: "/nonexistent/medsearch")))
        Self.trace("trustmed: starting engine")
        let engine = try await TrustMedWebEngine.start(directory: directory, launcher: launcher,
                                                       options: .init(minimumImages: 18, parameterSet: "insecureN1024"))
        do {
            try await Self.withLiveMedSearch(engines: [engine]) { web, base in
                Self.trace("trustmed: stow via orthanc")
                _ = try await Self.orthancJSON("/dicom-web/servers/medsearch/stow", post: "{\"Resources\": [\(resources)]}")
                Self.trace("trustmed: stow done")
                #expect(await web.dicomwebCatalog.all().count == 20)
                #expect(try await engine.uploadedCount == 20)
                for query in [instances[0], instances[13]] {
                    Self.trace("trustmed: search")
                    let entry = try #require(await web.dicomwebCatalog.entry(sop: query.placement.sopInstanceUID))
                    let (status, body) = try await Self.http(
                        base + "/studies/search-similar?engine=trustmed&k=5&instance=\(query.placement.sopInstanceUID)",
                        method: .POST, headers: [("Authorization", "Bearer \(Self.token ?? "")")])
                    #expect(status == 200)
                    let hits = try DICOMJSON.decode(body)
                    let image = try DICOMFile(bytes: try web.vault.load(id: entry.imageID)).decodePixels()
                        .analysisImage(side: UploadPipeline.analysisSide, frame: entry.frame)
                    let reference = try await engine.plaintextTopK(image, k: 5)
                    var expected: [String?] = []
                    for hit in reference { expected.append(await web.dicomwebCatalog.entry(imageID: hit.id)?.sopInstanceUID) }
                    #expect(hits.count == 5)
                    #expect(hits.map { $0.string(.sopInstanceUID) } == expected)
                    #expect(hits.map { $0.string(DICOMwebService.distanceTag) } == reference.map { String($0.distance) })
                    #expect(hits.map { $0.string(DICOMwebService.rankTag) } == ["1", "2", "3", "4", "5"])
                    #expect(reference.first?.distance == 0)
                }
                // WADO-RS gives the instance back rebuilt from the storage nodes' shares: with the web server's own
                // sealed copy removed, the original instance (real patient, same pixels) still comes back.
                Self.trace("trustmed: wado")
                let target = instances[7]
                let targetEntry = try #require(await web.dicomwebCatalog.entry(sop: target.placement.sopInstanceUID))
                web.vault.remove(id: targetEntry.imageID)
                let (status, body) = try await Self.http(
                    base + "/studies/\(target.placement.studyUID)/series/\(target.placement.seriesUID)/instances/"
                        + target.placement.sopInstanceUID, headers: [("Authorization", "Bearer \(Self.token ?? "")")])
                #expect(status == 200)
                let firstLine = String(decoding: body.prefix(while: { $0 != 13 }), as: UTF8.self)
                var parser = MultipartRelatedParser(boundary: String(firstLine.dropFirst(2)), maximumPartBytes: 1 << 24)
                let retrieved = try DICOMFile(bytes: try #require(try parser.feed(body).first?.body))
                let source = try DICOMFile(bytes: target.bytes)
                #expect(retrieved.dataset.string(.patientName) == target.patient.name)
                #expect(try retrieved.decodePixels() == source.decodePixels())
            }
        } catch {
            Self.trace("trustmed: threw \(error)")
            await engine.shutdown()
            throw error
        }
        Self.trace("trustmed: shutting engine down")
        await engine.shutdown()
        Self.trace("trustmed: engine down")
        // Orthanc is shared by the scenarios: leave it as this test found it.
        for study in orthancStudies { _ = try await Self.http((Self.orthanc ?? "") + "/studies/\(study)", method: .DELETE) }
    }

    @Test(.enabled(if: orthancReady && python != nil, "needs the dicomweb-client venv from scripts/test.sh (MEDSEARCH_DICOMWEB_PYTHON)"))
    func dicomwebClientScenario() async throws {
        let instances = try Self.instances("python", count: 5)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dicomweb-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, instance) in instances.enumerated() {
            let file = directory.appendingPathComponent("\(index).dcm")
            try Data(instance.bytes).write(to: file)
            paths.append(file.path)
        }
        let files = paths
        try await Self.withLiveMedSearch { _, base in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.python ?? "")
            process.arguments = [TestData.root.appendingPathComponent("scripts/dicomweb/client_scenario.py").path, base,
                                 Self.token ?? ""] + files
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = try await WebCompute.run { output.fileHandleForReading.readDataToEndOfFile() }
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            #expect(process.terminationStatus == 0, "dicomweb-client scenario: \(text)")
            #expect(text.contains("\"stored\": 5"))
        }
    }
}
