import Foundation
import Hummingbird
import HummingbirdTesting
import MedSearchDICOMweb
import MedSearchImaging
import MedSearchStore
@testable import MedSearchWeb
import Testing
import _MedSearchTestSupport

/// DICOMweb under /dicom-web/ in process: STOW-RS with every kind of bad part, QIDO-RS, WADO-RS (original
/// instance back, metadata, rendered PNG and JPEG), search by example, authentication and roles.
@Suite struct WebDICOMwebTests {
    static let ownerToken = String(repeating: "o", count: 40)
    static let clinicianToken = String(repeating: "c", count: 40)
    static let tokens = [ownerToken: "pacs", clinicianToken: "clin"]

    /// Six Secondary Capture instances from the demo PNGs: two studies of three.
    static func instances() throws -> [(patient: SecondaryCapture.Patient, placement: SecondaryCapture.Placement, bytes: [UInt8])] {
        let directory = TestData.root.appendingPathComponent("DemoData/images")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().prefix(6)
        let images = try names.map { try ImageLoader.decode(Array(try Data(contentsOf: directory.appendingPathComponent($0)))) }
        return try SecondaryCapture.studySet(images, perStudy: 3, seed: "webtest")
    }

    static func multipart(_ parts: [[UInt8]], boundary: String = "stow-boundary") -> ByteBuffer {
        ByteBuffer(bytes: MultipartRelatedWriter.body(boundary: boundary, parts: parts.map { ("application/dicom", $0) }))
    }

    static let stowType = "multipart/related; type=\"application/dicom\"; boundary=stow-boundary"

    /// Accounts: an administrator, the owner `pacs` and the clinician `clin` with a grant on the test engine.
    static func accounts(_ web: WebApplication) async throws {
        _ = try await web.store.register(username: "admin", fullName: "Admin", password: "correct horse battery")
        let pacs = try await web.store.register(username: "pacs", fullName: "PACS", password: "correct horse battery")
        _ = try await web.store.setStatus(userId: pacs.id ?? 0, status: .approved, role: .owner)
        let clin = try await web.store.register(username: "clin", fullName: "Clin", password: "correct horse battery")
        _ = try await web.store.setStatus(userId: clin.id ?? 0, status: .approved, role: .clinician)
        let key = try await web.store.createKey(engine: "exact", name: "k", createdBy: "pacs")
        try await web.store.grant(keyId: key.id ?? 0, userId: clin.id ?? 0, by: "pacs")
    }

    func send(_ client: any TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get, token: String?,
              headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> (HTTPResponse.Status, HTTPFields, [UInt8]) {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        return (response.status, response.headers, Array(response.body.readableBytesView))
    }

    @Test func storeQueryRetrieveAndSearch() async throws {
        let instances = try Self.instances()
        var jpeg2000 = try DICOMFile(contentsOf: TestData.root.appendingPathComponent("Tests/MedSearchImagingTests/Fixtures/JPEG-lossy.dcm"))
        jpeg2000.transferSyntax = .jpeg2000Lossless
        let bad: [[UInt8]] = [
            Array("this part is a text file, not DICOM at all".utf8),
            try DICOMFile.readBytes(TestData.root.appendingPathComponent("Tests/MedSearchImagingTests/Fixtures/MR_truncated.dcm")),
            try DICOMWriter.write(jpeg2000),
            instances[0].bytes,  // duplicate in the same request
            [UInt8](repeating: 0, count: 3 << 20),  // over the 2 MiB part limit
            try DICOMFile.readBytes(TestData.root.appendingPathComponent("Tests/MedSearchImagingTests/Fixtures/rtplan.dcm")),
        ]
        try await withWebApp(engines: [ExactTestEngine()], dicomwebTokens: Self.tokens) { web, client in
            try await Self.accounts(web)
            // Authentication and roles come first.
            let anonymous = try await send(client, "/dicom-web/studies", token: nil)
            #expect(anonymous.0 == .unauthorized)
            #expect(anonymous.1[.wwwAuthenticate] == "Bearer realm=\"medsearch\"")
            #expect(try await send(client, "/dicom-web/studies", token: String(repeating: "x", count: 40)).0 == .unauthorized)
            let clinicianStore = try await send(client, "/dicom-web/studies", method: .post, token: Self.clinicianToken,
                                                headers: [.contentType: Self.stowType], body: Self.multipart([instances[0].bytes]))
            #expect(clinicianStore.0 == .forbidden)
            // A request without the boundary is refused before anything is read or stored.
            let noBoundary = try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                            headers: [.contentType: "multipart/related; type=\"application/dicom\""],
                                            body: Self.multipart([instances[0].bytes]))
            #expect(noBoundary.0 == .badRequest)
            #expect(String(decoding: noBoundary.2, as: UTF8.self).contains("no boundary parameter"))
            let wrongType = try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                           headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(wrongType.0 == .unsupportedMediaType)
            #expect(await web.dicomwebCatalog.all().isEmpty)

            // STOW-RS: six good instances and one of each kind of bad part.
            let stored = try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                        headers: [.contentType: Self.stowType],
                                        body: Self.multipart(instances.map(\.bytes) + bad))
            #expect(stored.0 == .accepted)
            let answer = try #require(try DICOMJSON.decode(stored.2).first)
            let referenced = try #require(answer.items(STOWResponse.referencedSOPSequence))
            #expect(referenced.map { $0.string(STOWResponse.referencedSOPInstanceUID) }
                    == instances.map { $0.placement.sopInstanceUID })
            let failed = try #require(answer.items(STOWResponse.failedSOPSequence))
            #expect(try failed.map { try $0.integer(STOWResponse.failureReason) } == [0xC000, 0xC000, 0xC122, 0x0111, 0xA700, 0x0122])
            #expect(failed.map { $0.string(STOWResponse.errorComment) ?? "" } == [
                "not a DICOM instance", "truncated instance", "unsupported transfer syntax 1.2.840.10008.1.2.4.90",
                "duplicate SOP Instance UID", "part 11 is larger than 2097152 bytes", "no pixel data: only images are indexed",
            ])
            #expect(await web.dicomwebCatalog.all().count == 6)
            // Storing the same instance again is refused as a duplicate; nothing changes.
            let again = try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                       headers: [.contentType: Self.stowType], body: Self.multipart([instances[1].bytes]))
            #expect(again.0 == .conflict)
            #expect(await web.dicomwebCatalog.all().count == 6)

            // What the engines and the vault hold is de-identified.
            let first = try #require(await web.dicomwebCatalog.entry(sop: instances[0].placement.sopInstanceUID))
            let sealedCopy = try DICOMFile(bytes: try web.vault.load(id: first.imageID))
            #expect(sealedCopy.dataset.string(.patientName)?.hasPrefix("ANON-") == true)
            #expect(sealedCopy.dataset.string(.sopInstanceUID) != instances[0].placement.sopInstanceUID)

            // QIDO-RS answers with the real patient to an authorised clinician.
            let patient = instances[0].patient
            let studies = try await send(client, "/dicom-web/studies?PatientID=\(patient.id)&includefield=StudyDescription",
                                         token: Self.clinicianToken)
            #expect(studies.0 == .ok)
            #expect(studies.1[.contentType] == "application/dicom+json")
            let studyResults = try DICOMJSON.decode(studies.2)
            #expect(studyResults.map { $0.string(.studyInstanceUID) } == [instances[0].placement.studyUID, instances[3].placement.studyUID])
            #expect(studyResults.first?.string(.patientName) == patient.name)
            #expect(studyResults.first?.string(DICOMwebAttributes.numberOfStudyRelatedInstances) == "3")
            let named = try DICOMJSON.decode(try await send(client, "/dicom-web/studies?PatientName=\(patient.name.prefix(3).lowercased())*&limit=1",
                                                            token: Self.clinicianToken).2)
            #expect(named.count == 1)
            let study = instances[0].placement.studyUID, series = instances[0].placement.seriesUID
            let inSeries = try DICOMJSON.decode(try await send(client, "/dicom-web/studies/\(study)/series/\(series)/instances",
                                                               token: Self.clinicianToken).2)
            #expect(inSeries.count == 3)
            #expect(inSeries.first?.string(DICOMwebAttributes.retrieveURL)?.hasSuffix(
                "/dicom-web/studies/\(study)/series/\(series)/instances/\(instances[0].placement.sopInstanceUID)") == true)
            let badQuery = try await send(client, "/dicom-web/studies?StudyDate=2024", token: Self.clinicianToken)
            #expect(badQuery.0 == .badRequest)

            // WADO-RS gives the original instance back.
            let sop = instances[0].placement.sopInstanceUID
            let retrieved = try await send(client, "/dicom-web/studies/\(study)/series/\(series)/instances/\(sop)",
                                           token: Self.clinicianToken)
            #expect(retrieved.0 == .ok)
            let boundary = try #require(MediaType(retrieved.1[.contentType] ?? "")?.parameters["boundary"])
            var parser = MultipartRelatedParser(boundary: boundary, maximumPartBytes: 1 << 24)
            let parts = try parser.feed(retrieved.2)
            try parser.finish()
            let original = try DICOMFile(bytes: try #require(parts.first?.body))
            let source = try DICOMFile(bytes: instances[0].bytes)
            #expect(original.dataset.string(.patientName) == patient.name)
            #expect(original.dataset.string(.sopInstanceUID) == sop)
            #expect(original.dataset.string(.studyDate) == source.dataset.string(.studyDate))
            #expect(try original.decodePixels() == source.decodePixels())
            let wholeStudy = try await send(client, "/dicom-web/studies/\(study)", token: Self.clinicianToken)
            var studyParser = MultipartRelatedParser(boundary: try #require(MediaType(wholeStudy.1[.contentType] ?? "")?.parameters["boundary"]),
                                                     maximumPartBytes: 1 << 24)
            #expect(try studyParser.feed(wholeStudy.2).count == 3)
            let metadata = try DICOMJSON.decode(try await send(client, "/dicom-web/studies/\(study)/metadata", token: Self.clinicianToken).2)
            #expect(metadata.count == 3)
            #expect(metadata.first?.string(.patientID) == patient.id)
            // Bulk data URIs name their own instance and are served (PS3.18 F.2.6): the pixel data as stored.
            let rawMetadata = try await send(client, "/dicom-web/studies/\(study)/series/\(series)/instances/\(instances[0].placement.sopInstanceUID)/metadata",
                                             token: Self.clinicianToken)
            let objects = try #require(try JSONSerialization.jsonObject(with: Data(rawMetadata.2)) as? [[String: Any]])
            let pixelURI = try #require((objects.first?["7FE00010"] as? [String: Any])?["BulkDataURI"] as? String)
            #expect(pixelURI.hasSuffix("/instances/\(instances[0].placement.sopInstanceUID)/bulkdata/7FE00010"))
            let bulk = try await send(client, String(pixelURI[try #require(pixelURI.range(of: "/dicom-web/"))
                .lowerBound...]), token: Self.clinicianToken)
            #expect(bulk.0 == .ok)
            var bulkParser = MultipartRelatedParser(boundary: try #require(MediaType(bulk.1[.contentType] ?? "")?.parameters["boundary"]),
                                                    maximumPartBytes: 1 << 24)
            let bulkParts = try bulkParser.feed(bulk.2)
            #expect(bulkParts.first?.body == (try DICOMFile(bytes: instances[0].bytes).dataset[.pixelData]?.bytes.map(Array.init)))
            #expect(try await send(client, "/dicom-web/studies/\(study)/series/\(series)/instances/\(instances[0].placement.sopInstanceUID)/bulkdata/00091234",
                                   token: Self.clinicianToken).0 == .notFound)
            #expect(try await send(client, "/dicom-web/studies/\(study)/series/\(series)/instances/\(instances[0].placement.sopInstanceUID)/bulkdata/zz",
                                   token: Self.clinicianToken).0 == .badRequest)
            #expect(try await send(client, "/dicom-web/studies/1.2.3.4", token: Self.clinicianToken).0 == .notFound)

            // Rendered frames: PNG by default, JPEG when asked.
            let png = try await send(client, "/dicom-web/studies/\(study)/series/\(series)/instances/\(sop)/rendered",
                                     token: Self.clinicianToken)
            #expect(png.1[.contentType] == "image/png")
            #expect(png.2.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            let jpeg = try await send(client, "/dicom-web/studies/\(study)/series/\(series)/instances/\(sop)/frames/1/rendered",
                                      token: Self.clinicianToken, headers: [.accept: "image/jpeg"])
            #expect(jpeg.1[.contentType] == "image/jpeg")
            #expect(try JPEGDecoder.decode(jpeg.2).rows == (try source.decodePixels().rows))
            #expect(try await send(client, "/dicom-web/studies/\(study)/series/\(series)/instances/\(sop)/frames/2/rendered",
                                   token: Self.clinicianToken).0 == .notFound)

            // Search by example: a stored instance is its own nearest neighbour, at distance 0.
            let similar = try await send(client, "/dicom-web/studies/search-similar?engine=exact&k=3&instance=\(sop)",
                                         method: .post, token: Self.clinicianToken)
            #expect(similar.0 == .ok)
            let hits = try DICOMJSON.decode(similar.2)
            #expect(hits.count == 3)
            #expect(hits.first?.string(.sopInstanceUID) == sop)
            #expect(hits.map { $0.string(DICOMwebService.rankTag) } == ["1", "2", "3"])
            #expect(hits.first?.string(DICOMwebService.distanceTag) == "0")
            #expect(hits.first?.string(.patientName) == patient.name)
            let byBody = try await send(client, "/dicom-web/studies/search-similar?engine=exact&k=2", method: .post,
                                        token: Self.clinicianToken, headers: [.contentType: Self.stowType],
                                        body: Self.multipart([instances[4].bytes]))
            #expect(try DICOMJSON.decode(byBody.2).first?.string(.sopInstanceUID) == instances[4].placement.sopInstanceUID)
            #expect(try await send(client, "/dicom-web/studies/search-similar?engine=nope&k=2&instance=\(sop)",
                                   method: .post, token: Self.clinicianToken).0 == .forbidden)

            // Revoking the clinician's grant closes DICOMweb to them too.
            let clin = try #require(try await web.store.user(username: "clin"))
            for grant in try await web.store.activeGrants() { try await web.store.revoke(keyId: grant.keyId, userId: clin.id ?? 0) }
            #expect(try await send(client, "/dicom-web/studies", token: Self.clinicianToken).0 == .forbidden)
            #expect(try await web.store.auditLog().contains { $0.action == "dicomweb store" && $0.outcome == "refused" })
        }
    }

    /// The clinicians' results page: the query beside its results, results grouped by study with the study's
    /// metadata and links to the viewer and WADO-RS; a DICOM uploaded on the page joins the catalog; the viewer
    /// windows through `/rendered?window=`; no patient attribute appears.
    @Test func resultsPageGroupsByStudyAndWindows() async throws {
        let instances = try Self.instances()
        let fixtures = try ["CT_small.dcm", "MR_small_RLE.dcm", "emri_small_RLE.dcm"].map {
            ($0, try DICOMFile.readBytes(TestData.root.appendingPathComponent("Tests/MedSearchImagingTests/Fixtures/\($0)")))
        }
        let ct = fixtures[0].1
        try await withWebApp(engines: [ExactTestEngine()], dicomwebTokens: Self.tokens) { web, client in
            try await Self.accounts(web)
            let stored = try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                        headers: [.contentType: Self.stowType], body: Self.multipart(instances.map(\.bytes)))
            #expect(stored.0 == .ok)
            // A DICOM uploaded on the web page is catalogued under its original UIDs.
            var owner = WebTestClient(client: client)
            _ = try await owner.login("pacs")
            let upload = try await owner.postMultipart("/upload", fields: ["_csrf": try await owner.get("/upload").csrf ?? ""],
                                                       files: fixtures.map { ("files", $0.0, $0.1) })
            #expect(upload.text.components(separatedBy: "available through DICOMweb").count == 4)
            let ctSource = try DICOMFile(bytes: ct)
            let ctSOP = try #require(ctSource.dataset.string(.sopInstanceUID))
            let ctEntry = try #require(await web.dicomwebCatalog.entry(sop: ctSOP))
            #expect(try web.vault.load(id: ctEntry.imageID) != ct)  // the vault holds the de-identified copy

            var clinician = WebTestClient(client: client)
            _ = try await clinician.login("clin")
            let query = try #require(await web.dicomwebCatalog.entry(sop: instances[1].placement.sopInstanceUID))
            let page = try await clinician.postMultipart("/search", fields: [
                "_csrf": try await clinician.get("/search").csrf ?? "", "engine": "exact", "k": "9", "queryId": query.imageID,
            ], files: [])
            #expect(page.status == .ok)
            let text = page.text
            #expect(text.contains("src=\"/images/\(query.imageID)/full\" alt=\"The query image"))
            // Groups in the order of their best result: the query's study first, then the other one and the CT.
            let studies = text.components(separatedBy: "data-study=\"").dropFirst().map { String($0.prefix(while: { $0 != "\"" })) }
            #expect(studies.first == instances[1].placement.studyUID)
            let uploadedStudies = try fixtures.map { try DICOMFile(bytes: $0.1).dataset.string(.studyInstanceUID) ?? "-" }
            #expect(Set(studies) == Set([instances[0].placement.studyUID, instances[3].placement.studyUID] + uploadedStudies))
            #expect(studies.count == Set(studies).count)
            #expect(text.components(separatedBy: "class=\"result\"").count - 1 == 9)
            #expect(text.contains("<dd class=\"study-date\">\(StudyResultGroups.date(instances[1].placement.studyDate))</dd>"))
            #expect(text.contains("<dd class=\"study-description\">\(instances[1].placement.studyDescription)</dd>"))
            #expect(text.contains("<dd class=\"modality\">CR</dd>") && text.contains("<dd class=\"body-part\">CHEST</dd>"))
            #expect(text.contains("<dd class=\"modality\">CT</dd>"))
            let location = try #require(InstanceLocation(query))
            #expect(text.contains("href=\"\(location.wadoPath)\""))
            #expect(text.contains("href=\"\(location.viewerPath)\""))
            for patient in Set(instances.map(\.patient.name)) + [ctSource.dataset.string(.patientName) ?? "-"] {
                #expect(!text.contains(patient))
            }

            // An uploaded query is shown from memory, to its user only.
            let byFile = try await clinician.postMultipart("/search", fields: [
                "_csrf": try await clinician.get("/search").csrf ?? "", "engine": "exact", "k": "2",
            ], files: [("query", "query.dcm", instances[2].bytes)])
            let token = try #require(byFile.text.components(separatedBy: "src=\"/search/query/").dropFirst().first?.prefix(32))
            let queryImage = try await clinician.get("/search/query/\(token)")
            #expect(queryImage.status == .ok && queryImage.headers[.contentType] == "image/png")
            #expect(try await owner.get("/search/query/\(token)").status == .notFound)

            // The viewer: the instance's own window by default, a preset or a custom window through /rendered.
            let ctLocation = try #require(InstanceLocation(ctEntry))
            // CT_small.dcm has no VOI window of its own: the frame's full range is shown.
            #expect(try DICOMFile(bytes: try web.vault.load(id: ctEntry.imageID)).storedWindow() == nil)
            let viewer = try await clinician.get(ctLocation.viewerPath)
            #expect(viewer.status == .ok)
            #expect(viewer.text.contains("src=\"\(ctLocation.wadoPath)/frames/1/rendered\""))
            #expect(viewer.text.contains("window the frame&#39;s full range") || viewer.text.contains("window the frame's full range"))
            // MR_small_RLE.dcm has its own window (600 / 1600): the viewer starts with it.
            let mrSOP = try #require(try DICOMFile(bytes: fixtures[1].1).dataset.string(.sopInstanceUID))
            let mrEntry = try #require(await web.dicomwebCatalog.entry(sop: mrSOP))
            let mr = try #require(InstanceLocation(mrEntry))
            let mrViewer = try await clinician.get(mr.viewerPath).text
            #expect(mrViewer.contains("id=\"center\" name=\"center\" type=\"number\" step=\"any\" value=\"600\""))
            #expect(mrViewer.contains("The instance&#39;s own window (600 / 1600)") || mrViewer.contains("The instance's own window (600 / 1600)"))
            // A multi-frame upload is indexed by its middle frame; the viewer shows any frame.
            let emriSOP = try #require(try DICOMFile(bytes: fixtures[2].1).dataset.string(.sopInstanceUID))
            let emriEntry = try #require(await web.dicomwebCatalog.entry(sop: emriSOP))
            #expect(emriEntry.frame == 5)
            let emri = try #require(InstanceLocation(emriEntry))
            #expect(try await clinician.get(emri.viewerPath).text.contains("\(emri.wadoPath)/frames/6/rendered"))
            #expect(try await clinician.get(emri.viewerPath + "?frame=2").text.contains("\(emri.wadoPath)/frames/2/rendered"))
            #expect(try await clinician.get(emri.viewerPath + "?frame=11").status == .badRequest)
            let lung = try await clinician.get(ctLocation.viewerPath + "?preset=lung")
            #expect(lung.text.contains("\(ctLocation.wadoPath)/frames/1/rendered?window=-600,1500,linear"))
            let custom = try await clinician.get(ctLocation.viewerPath + "?preset=custom&center=100&width=50")
            #expect(custom.text.contains("rendered?window=100,50,linear"))
            #expect(try await clinician.get(ctLocation.viewerPath + "?preset=custom&center=100&width=0").status == .badRequest)
            #expect(try await clinician.get(ctLocation.viewerPath + "?preset=nope").status == .badRequest)
            let base = try await send(client, ctLocation.wadoPath + "/rendered", token: Self.clinicianToken)
            let windowed = try await send(client, ctLocation.wadoPath + "/rendered?window=-600,1500,linear", token: Self.clinicianToken)
            #expect(base.0 == .ok && windowed.0 == .ok)
            #expect(windowed.2 != base.2)
            let expected = try DICOMFile(bytes: try web.vault.load(id: ctEntry.imageID))
                .grayImage(window: VOIWindow(center: -600, width: 1500))
            #expect(windowed.2 == PNGWriter.encode(expected))
            #expect(try await send(client, ctLocation.wadoPath + "/rendered?window=1,0", token: Self.clinicianToken).0 == .badRequest)

            // Without a grant, neither the viewer nor the studies on the results page.
            let clin = try #require(try await web.store.user(username: "clin"))
            for grant in try await web.store.activeGrants() { try await web.store.revoke(keyId: grant.keyId, userId: clin.id ?? 0) }
            #expect(try await clinician.get(ctLocation.viewerPath).status == .forbidden)
        }
    }

    /// An engine fails the first STOW-RS batch: nothing is catalogued or kept in the vault, QIDO-RS and searches
    /// show nothing of it; the PACS's retry stores every instance once in every engine (no duplicate entries).
    @Test func stowIsRetriedAfterAnEngineFailure() async throws {
        let instances = Array(try Self.instances().prefix(3))
        let exact = ExactTestEngine()
        let flaky = FailingTestEngine(failures: 1)
        try await withWebApp(engines: [exact, flaky], dicomwebTokens: Self.tokens) { web, client in
            try await Self.accounts(web)
            let first = try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                       headers: [.contentType: Self.stowType], body: Self.multipart(instances.map(\.bytes)))
            #expect(first.0 == .conflict)
            let failed = try #require(try DICOMJSON.decode(first.2).first?.items(STOWResponse.failedSOPSequence))
            #expect(try failed.map { try $0.integer(STOWResponse.failureReason) } == [0x0110, 0x0110, 0x0110])
            #expect(await web.dicomwebCatalog.all().isEmpty)
            let orphans = await exact.heldIDs()
            #expect(orphans.count == 3)  // the engine that succeeded holds entries nobody can see
            for id in orphans { #expect(throws: (any Error).self) { _ = try web.vault.load(id: id) } }
            #expect(try DICOMJSON.decode(try await send(client, "/dicom-web/instances", token: Self.ownerToken).2).isEmpty)
            let none = try await send(client, "/dicom-web/studies/search-similar?engine=exact&k=2", method: .post,
                                      token: Self.clinicianToken, headers: [.contentType: "application/dicom"],
                                      body: ByteBuffer(bytes: instances[0].bytes))
            #expect(try DICOMJSON.decode(none.2).isEmpty)
            #expect(none.1[.init("X-MedSearch-Left-Out")!] == "3")
            #expect(none.1[.init("Warning")!]?.hasPrefix("299 medsearch: \"0 of 2 results") == true)

            let retry = try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                       headers: [.contentType: Self.stowType], body: Self.multipart(instances.map(\.bytes)))
            #expect(retry.0 == .ok)
            #expect(await web.dicomwebCatalog.all().map(\.imageID).sorted() == orphans.sorted())
            #expect(await exact.count == 3)  // not ingested twice
            #expect(await flaky.heldIDs() == orphans)
            let similar = try await send(client, "/dicom-web/studies/search-similar?engine=exact&k=3&instance=\(instances[2].placement.sopInstanceUID)",
                                         method: .post, token: Self.clinicianToken)
            #expect(try DICOMJSON.decode(similar.2).first?.string(.sopInstanceUID) == instances[2].placement.sopInstanceUID)
        }
    }

    /// PNGs uploaded on the web page are nearer to a query than the DICOM instances made from them would allow:
    /// search-similar still answers k DICOM instances, and says so when fewer than k exist.
    @Test func searchSimilarAnswersKPastWebUploads() async throws {
        let instances = Array(try Self.instances().prefix(3))
        let directory = TestData.root.appendingPathComponent("DemoData/images")
        let pngs = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().prefix(3).map {
            ("files", $0, Array(try Data(contentsOf: directory.appendingPathComponent($0))))
        }
        try await withWebApp(engines: [ExactTestEngine()], dicomwebTokens: Self.tokens) { web, client in
            try await Self.accounts(web)
            var owner = WebTestClient(client: client)
            _ = try await owner.login("pacs")
            _ = try await owner.postMultipart("/upload", fields: ["_csrf": try await owner.get("/upload").csrf ?? ""], files: pngs)
            #expect(try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                   headers: [.contentType: Self.stowType], body: Self.multipart(instances.map(\.bytes))).0 == .ok)
            let sop = instances[0].placement.sopInstanceUID
            let three = try await send(client, "/dicom-web/studies/search-similar?engine=exact&k=3&instance=\(sop)",
                                       method: .post, token: Self.clinicianToken)
            let hits = try DICOMJSON.decode(three.2)
            #expect(Set(hits.compactMap { $0.string(.sopInstanceUID) }) == Set(instances.map(\.placement.sopInstanceUID)))
            #expect(hits.first?.string(.sopInstanceUID) == sop)
            #expect(hits.map { $0.string(DICOMwebService.rankTag) } == ["1", "2", "3"])
            #expect(three.1[.init("Warning")!] == nil)
            let leftOut = try #require(three.1[.init("X-MedSearch-Left-Out")!].flatMap(Int.init))
            #expect(leftOut >= 1)  // the PNG twin of the query is as near as the query itself
            let five = try await send(client, "/dicom-web/studies/search-similar?engine=exact&k=5&instance=\(sop)",
                                      method: .post, token: Self.clinicianToken)
            #expect(try DICOMJSON.decode(five.2).count == 3)
            #expect(five.1[.init("Warning")!]?.contains("3 of 5 results") == true)
        }
    }

    /// Every file of the shared DICOM corpus (../shared/data/dicom: CT, MR, CR, US, NM, SEG, RT, ECG in every
    /// syntax, and broken files) in one STOW-RS request: each is stored or refused with its own reason, and the
    /// service answers QIDO-RS for exactly the stored ones afterwards.
    @Test(.enabled(if: TestData.hasShared("dicom/manifest.csv"), "needs ../shared/data/dicom"))
    func theSharedCorpusIsStoredOrRefusedFileByFile() async throws {
        let directory = try #require(TestData.sharedFile("dicom/manifest.csv")).deletingLastPathComponent()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".dcm") }.sorted()
        let parts = try names.map { Array(try Data(contentsOf: directory.appendingPathComponent($0))) }
        try await withWebApp(maxFileBytes: 8 << 20, engines: [ExactTestEngine()], dicomwebTokens: Self.tokens) { web, client in
            try await Self.accounts(web)
            let answer = try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                        headers: [.contentType: Self.stowType], body: Self.multipart(parts))
            #expect(answer.0 == .accepted)
            let response = try #require(try DICOMJSON.decode(answer.2).first)
            let stored = Set((response.items(STOWResponse.referencedSOPSequence) ?? []).compactMap {
                $0.string(STOWResponse.referencedSOPInstanceUID)
            })
            var outcomes: [String: String] = [:]
            var failures = (response.items(STOWResponse.failedSOPSequence) ?? []).makeIterator()
            var seen = Set<String>()
            for (name, bytes) in zip(names, parts) {
                let sop = (try? DICOMFile(bytes: bytes)).flatMap { $0.dataset.string(.sopInstanceUID) }
                if let sop, stored.contains(sop), seen.insert(sop).inserted {
                    outcomes[name] = "stored"
                } else if let failure = failures.next() {
                    outcomes[name] = String(format: "0x%04X ", (try? failure.integer(STOWResponse.failureReason)) ?? 0)
                        + (failure.string(STOWResponse.errorComment) ?? "")
                }
            }
            // Checked against the reference reader's manifest: every refused file is broken there, has no pixel data,
            // uses a syntax this reader does not decode, or repeats the SOP Instance UID of a file before it.
            #expect(outcomes == [
                "CT_small.dcm": "stored",
                "ExplVR_BigEnd.dcm": "stored",
                "ExplVR_LitEndNoMeta.dcm": "0x0122 no pixel data: only images are indexed",
                "JPEG-LL.dcm": "stored",
                "JPEG-lossy.dcm": "0xC122 unsupported transfer syntax 1.2.840.10008.1.2.4.51",
                "JPEG2000.dcm": "0xC122 unsupported transfer syntax 1.2.840.10008.1.2.4.91",
                "MR2_UNCI.dcm": "stored",
                "MR_small.dcm": "stored",
                "MR_small_RLE.dcm": "0x0111 duplicate SOP Instance UID",
                "MR_small_bigendian.dcm": "0x0111 duplicate SOP Instance UID",
                "MR_small_expb.dcm": "0x0111 duplicate SOP Instance UID",
                "MR_small_implicit.dcm": "0x0111 duplicate SOP Instance UID",
                "MR_small_jp2klossless.dcm": "0xC122 unsupported transfer syntax 1.2.840.10008.1.2.4.90",
                "MR_small_padded.dcm": "0x0111 duplicate SOP Instance UID",
                "MR_truncated.dcm": "0xC000 truncated instance",
                "OBXXXX1A.dcm": "stored",
                "RG1_J2KR.dcm": "0xC122 unsupported transfer syntax 1.2.840.10008.1.2.4.90",
                "RG1_UNCI.dcm": "stored",
                "SC_rgb_jpeg_dcmtk.dcm": "stored",
                "SC_rgb_rle.dcm": "stored",
                "US1_UNCI.dcm": "stored",
                "badVR.dcm": "0xC000 malformed: invalid value of (0028,0008): not an integer string",
                "bad_sequence.dcm": "stored",
                "emri_small.dcm": "stored",
                "emri_small_RLE.dcm": "0x0111 duplicate SOP Instance UID",
                "emri_small_jpeg_2k_lossless_too_short.dcm": "0xC000 truncated instance",
                "image_dfl.dcm": "stored",
                "liver.dcm": "stored",
                "liver_1frame.dcm": "0x0111 duplicate SOP Instance UID",
                "no_meta.dcm": "0xC000 not a DICOM instance",
                "rtplan.dcm": "0x0122 no pixel data: only images are indexed",
                "waveform_ecg.dcm": "0x0122 no pixel data: only images are indexed",
            ])
            #expect(await web.dicomwebCatalog.all().count == stored.count)
            let found = try DICOMJSON.decode(try await send(client, "/dicom-web/instances?limit=1000", token: Self.ownerToken).2)
            #expect(Set(found.compactMap { $0.string(.sopInstanceUID) }) == stored)
        }
    }

    /// A study set of a few hundred instances (Secondary Capture made from 300 of the shared chest X-ray PNGs, 50
    /// studies of 6, 25 patients) stored in three STOW-RS requests: QIDO-RS matches and pages over all of it, and
    /// search by example finds a stored instance first among 10.
    @Test(.enabled(if: TestData.hasShared("cxr-public/images"), "needs ../shared/data/cxr-public"))
    func aStudySetOfThreeHundredInstances() async throws {
        let directory = try #require(TestData.sharedFile("cxr-public/images"))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".png") }.sorted()
        let images = try names.prefix(300).map { try ImageLoader.decode(Array(try Data(contentsOf: directory.appendingPathComponent($0)))) }
        let instances = try SecondaryCapture.studySet(images, perStudy: 6, seed: "cxr300")
        try await withWebApp(engines: [ExactTestEngine()], dicomwebTokens: Self.tokens) { web, client in
            try await Self.accounts(web)
            for start in stride(from: 0, to: instances.count, by: 100) {
                let batch = instances[start..<min(start + 100, instances.count)].map(\.bytes)
                #expect(try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                       headers: [.contentType: Self.stowType], body: Self.multipart(batch)).0 == .ok)
            }
            #expect(await web.dicomwebCatalog.all().count == 300)
            let page = try await send(client, "/dicom-web/studies?limit=20&offset=40", token: Self.clinicianToken)
            #expect(try DICOMJSON.decode(page.2).count == 10)
            let first = try await send(client, "/dicom-web/studies?limit=20", token: Self.clinicianToken)
            #expect(first.1[.init("Warning")!]?.contains("additional results") == true)
            let all = try DICOMJSON.decode(try await send(client, "/dicom-web/instances?limit=1000", token: Self.clinicianToken).2)
            #expect(all.count == 300)
            let range = "20120101-20151231"
            let expected = Set(instances.filter { ("20120101"..."20151231").contains($0.placement.studyDate) }.map(\.placement.studyUID))
            let dated = try DICOMJSON.decode(try await send(client, "/dicom-web/studies?StudyDate=\(range)&limit=1000",
                                                            token: Self.clinicianToken).2)
            #expect(Set(dated.compactMap { $0.string(.studyInstanceUID) }) == expected)
            #expect(!expected.isEmpty && expected.count < 50)
            let patient = instances[37].patient
            let theirs = try DICOMJSON.decode(try await send(client, "/dicom-web/studies?PatientID=\(patient.id)",
                                                             token: Self.clinicianToken).2)
            #expect(theirs.count == 2)  // two studies per patient
            let sop = instances[123].placement.sopInstanceUID
            let similar = try DICOMJSON.decode(try await send(client, "/dicom-web/studies/search-similar?engine=exact&k=10&instance=\(sop)",
                                                              method: .post, token: Self.clinicianToken).2)
            #expect(similar.count == 10)
            #expect(similar.first?.string(.sopInstanceUID) == sop)
        }
    }

    @Test func theCatalogSurvivesARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-dicomweb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let instances = Array(try Self.instances().prefix(2))
        try await withWebApp(engines: [ExactTestEngine()], dicomwebTokens: Self.tokens, directory: directory) { web, client in
            try await Self.accounts(web)
            let stored = try await send(client, "/dicom-web/studies", method: .post, token: Self.ownerToken,
                                        headers: [.contentType: Self.stowType], body: Self.multipart(instances.map(\.bytes)))
            #expect(stored.0 == .ok)
        }
        try await withWebApp(engines: [ExactTestEngine()], dicomwebTokens: Self.tokens, directory: directory) { web, client in
            #expect(await web.dicomwebCatalog.all().map(\.sopInstanceUID) == instances.map(\.placement.sopInstanceUID))
            let found = try DICOMJSON.decode(try await send(client, "/dicom-web/instances", token: Self.ownerToken).2)
            #expect(found.count == 2)
        }
    }

    @Test func tokenFilesMustBeOwnerOnly() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("{\"tokens\": {\"\(Self.ownerToken)\": \"pacs\"}}".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect(throws: WebError.self) { _ = try WebConfiguration.loadDICOMwebTokens(from: file) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(try WebConfiguration.loadDICOMwebTokens(from: file) == [Self.ownerToken: "pacs"])
        #expect(WebConfiguration(dataDirectory: file, dicomwebTokens: [Self.ownerToken: "pacs"])
            .dicomwebAccount(forToken: Self.ownerToken) == "pacs")
    }
}

/// A test engine that fails its first `failures` ingests, then behaves like ``ExactTestEngine``.
actor FailingTestEngine: WebEngine {
    nonisolated let name = "failing"
    nonisolated let title = "Failing (test)"
    nonisolated let securityNote = "Plaintext, for tests only."
    private var failures: Int
    private let inner = ExactTestEngine()

    init(failures: Int) { self.failures = failures }

    func ingest(_ items: [WebIngestItem]) async throws {
        if failures > 0 {
            failures -= 1
            throw WebError.engineUnavailable("the failing test engine refused the batch")
        }
        try await inner.ingest(items)
    }

    func search(_ query: GrayImage, k: Int) async throws -> [WebSearchHit] { try await inner.search(query, k: k) }
    func heldIDs() async -> Set<String> { await inner.heldIDs() }
    func shutdown() async {}
}
