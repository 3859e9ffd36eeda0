import Foundation
import Hummingbird
import HummingbirdTesting
import MedSearchStore
@testable import MedSearchWeb
import Testing
import _MedSearchTestSupport

@Suite struct WebUploadTests {
    func demoImage() throws -> [UInt8] {
        let images = TestData.root.appendingPathComponent("DemoData/images")
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: images.path).sorted().first)
        return Array(try Data(contentsOf: images.appendingPathComponent(first)))
    }

    @Test func unsafeNamesNonImagesAndOversizedFilesAreRefusedAndNothingIsStored() async throws {
        try await withWebApp(maxUploadBytes: 1_000_000, maxFileBytes: 100_000) { web, client in
            var (owner, _, _) = try await ownerAndClinician(web, client)
            let csrf = try await owner.get("/upload").csrf ?? ""
            let png = try demoImage()
            let traversal = try await owner.postMultipart("/upload", fields: ["_csrf": csrf],
                                                          files: [("files", "../../etc/passwd.png", png)])
            #expect(traversal.status == .badRequest)
            #expect(traversal.text.contains("is not allowed"))
            let text = try await owner.postMultipart("/upload", fields: ["_csrf": csrf],
                                                     files: [("files", "notes.png", Array("hello, not an image".utf8))])
            #expect(text.status == .badRequest)
            #expect(text.text.contains("Not a DICOM, PNG or JPEG image"))
            let big = try await owner.postMultipart("/upload", fields: ["_csrf": csrf],
                                                    files: [("files", "big.png", png + [UInt8](repeating: 0, count: 150_000))])
            #expect(big.text.contains("larger than the limit of 100000 bytes"))
            let huge = try await owner.postMultipart("/upload", fields: ["_csrf": csrf],
                                                     files: [("files", "huge.png", [UInt8](repeating: 1, count: 1_200_000))])
            #expect(huge.status == .contentTooLarge)
            #expect(try await web.store.images().isEmpty)
            let sealed = try FileManager.default.contentsOfDirectory(
                atPath: web.configuration.dataDirectory.appendingPathComponent("vault").path)
                .filter { $0.hasSuffix(".sealed") }
            #expect(sealed.isEmpty)
            let refusedUploads = try await web.store.auditLog().map { "\($0.action) \($0.outcome)" }.filter { $0 == "upload refused" }
            #expect(refusedUploads.count == 3)
        }
    }

    @Test func uploadedImagesAreSealedAndViewableOnlyWithAGrant() async throws {
        try await withWebApp { web, client in
            var (owner, clinician, clinicianId) = try await ownerAndClinician(web, client)
            let csrf = try await owner.get("/upload").csrf ?? ""
            let png = try demoImage()
            let upload = try await owner.postMultipart("/upload", fields: ["_csrf": csrf, "labels": "Effusion"],
                                                       files: [("files", "a.png", png), ("files", "b.png", png)])
            #expect(upload.status == .ok)
            let records = try await web.store.images()
            #expect(records.count == 2)
            #expect(records.allSatisfy { $0.status == "stored" && $0.labels == "Effusion" })
            let id = records[0].id
            // The vault holds a sealed copy, not the PNG.
            let vault = web.configuration.dataDirectory.appendingPathComponent("vault")
            for name in try FileManager.default.contentsOfDirectory(atPath: vault.path) where name.hasSuffix(".sealed") {
                let bytes = Array(try Data(contentsOf: vault.appendingPathComponent(name)))
                #expect(!bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            }
            let thumb = try await owner.get("/images/\(id)/thumb")
            #expect(thumb.status == .ok)
            #expect(thumb.headers[.contentType] == "image/png")

            // A clinician without a grant is refused; with one, allowed; after revocation, refused again.
            #expect(try await clinician.get("/images/\(id)/full").status == .forbidden)
            let keysPage = try await owner.get("/keys")
            #expect(keysPage.status == .ok)
            let key = try await web.store.createKey(engine: "fnn", name: "chest", createdBy: "owner1")
            let keyId = try #require(key.id)
            let granted = try await owner.post("/keys/\(keyId)/grant", form: ["_csrf": keysPage.csrf ?? "",
                                                                              "user": "\(clinicianId)"])
            #expect(granted.status == .found)
            #expect(try await clinician.get("/images/\(id)/full").status == .ok)
            #expect(try await web.store.maySearch(try #require(try await web.store.user(id: clinicianId)), engine: "fnn"))
            let revoked = try await owner.post("/keys/\(keyId)/revoke", form: ["_csrf": keysPage.csrf ?? "",
                                                                               "user": "\(clinicianId)"])
            #expect(revoked.status == .found)
            #expect(try await clinician.get("/images/\(id)/full").status == .forbidden)
            // Clinicians cannot upload.
            #expect(try await clinician.get("/upload").status == .forbidden)
        }
    }

    @Test func multipartParserSplitsFieldsAndFilesAndRejectsGarbage() throws {
        let body = Array(("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue 1\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.png\"\r\n"
            + "Content-Type: image/png\r\n\r\n\u{1}\u{2}\r\n\u{3}\r\n--XyZ--\r\n").utf8)
        let form = try MultipartParser.parse(body, boundary: "XyZ")
        #expect(form["a"] == "value 1")
        #expect(form.files.count == 1)
        #expect(form.files[0].fileName == "x.png")
        #expect(form.files[0].bytes == [1, 2, 13, 10, 3])
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=\"abc\"") == "abc")
        #expect(throws: WebError.self) { try MultipartParser.parse(Array("--XyZ\r\nno headers".utf8), boundary: "XyZ") }
        #expect(throws: WebError.self) { try MultipartParser.parse(Array("garbage".utf8), boundary: "XyZ") }
        for name in ["../a.png", "a/b.png", ".hidden", "a\\b.png", "", "x\u{0}.png"] {
            #expect(throws: WebError.self) { try FileNames.sanitised(name) }
        }
        #expect(try FileNames.sanitised("chest x-ray (1).png") == "chest x-ray (1).png")
    }
}
