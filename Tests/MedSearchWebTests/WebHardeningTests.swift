import Foundation
import Hummingbird
import HummingbirdTesting
import MedSearchStore
@testable import MedSearchWeb
import Testing
import _MedSearchTestSupport

/// Issue 14 on the web application, over real sockets: no body is read before authentication, forms have a
/// kilobyte limit checked against the declared length, stalled connections are closed, every response (static
/// files included) carries the security headers, HSTS once served over TLS, and a bomb upload is refused.
@Suite struct WebHardeningTests {
    /// Logs in as the first (administrator) account and returns the browser.
    func loggedIn(_ client: any TestClientProtocol) async throws -> WebTestClient {
        var admin = WebTestClient(client: client)
        _ = try await admin.register("admin")
        #expect(try await admin.login("admin").status == .found)
        return admin
    }

    func rawPost(_ port: Int, _ path: String, cookie: String? = nil, contentLength: Int) async throws -> Int? {
        let connection = try RawHTTPConnection(port: port)
        try connection.send("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + (cookie.map { "Cookie: \(SessionMiddleware.cookieName)=\($0)\r\n" } ?? "")
                            + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: \(contentLength)\r\n\r\n")
        return await connection.status()
    }

    @Test("no body is read before authentication; forms take kilobytes, uploads their own limit (413 at once)")
    func bodiesAreRefusedByDeclaredLength() async throws {
        try await withWebApp(maxUploadBytes: 1 << 20, live: true) { _, client in
            let port = try #require(client.port)
            let admin = try await loggedIn(client)
            // Anonymous: refused before the (never sent) gigabyte is read.
            #expect(try await rawPost(port, "/upload", contentLength: 1 << 30) == 401)
            #expect(try await rawPost(port, "/search", contentLength: 1 << 30) == 401)
            // Forms: 16 KiB, whoever posts.
            #expect(try await rawPost(port, "/login", contentLength: WebLimits.formBytes + 1) == 413)
            #expect(try await rawPost(port, "/register", contentLength: WebLimits.formBytes + 1) == 413)
            #expect(try await rawPost(port, "/keys", cookie: admin.cookie, contentLength: WebLimits.formBytes + 1) == 413)
            // An authenticated upload: its own limit.
            #expect(try await rawPost(port, "/upload", cookie: admin.cookie, contentLength: (1 << 20) + 1) == 413)
        }
    }

    @Test func stalledConnectionsAreClosed() async throws {
        try await withWebApp(live: true, configure: { $0.idleTimeout = .milliseconds(500) }) { _, client in
            let port = try #require(client.port)
            let idle = try RawHTTPConnection(port: port, readTimeout: 10)
            let halfHead = try RawHTTPConnection(port: port, readTimeout: 10)
            try halfHead.send("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
            let halfBody = try RawHTTPConnection(port: port, readTimeout: 10)
            try halfBody.send("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nusername=a")
            #expect(await idle.receive().closed)
            #expect(await halfHead.receive().closed)
            #expect(await halfBody.receive().closed)
        }
    }

    @Test("static files, pages and refusals carry the security headers; HSTS only when served over TLS")
    func securityHeaders() async throws {
        for tls in [false, true] {
            try await withWebApp(configure: { $0.servedOverTLS = tls }) { _, client in
                var browser = WebTestClient(client: client)
                for path in ["/static/app.css", "/static/app.js", "/login", "/health", "/nothing-here"] {
                    let page = try await browser.get(path)
                    #expect(page.headers[.init("X-Content-Type-Options")!] == "nosniff", "\(path)")
                    #expect(page.headers[.init("X-Frame-Options")!] == "DENY", "\(path)")
                    #expect(page.headers[.init("Referrer-Policy")!] == "no-referrer", "\(path)")
                    #expect(page.headers[.init("Content-Security-Policy")!]?.contains("default-src 'self'") == true, "\(path)")
                    #expect(page.headers[.init("Strict-Transport-Security")!] == (tls ? WebConfiguration.hstsValue : nil),
                            "\(path)")
                }
            }
        }
    }

    @Test("a decompression bomb upload is refused with 400 and nothing is stored")
    func bombUploadIsRefused() async throws {
        try await withWebApp(maxUploadBytes: 8 << 20, maxFileBytes: 4 << 20) { web, client in
            var admin = try await loggedIn(client)
            let csrf = try await admin.get("/upload").csrf ?? ""
            let refused = try await admin.postMultipart("/upload", fields: ["_csrf": csrf],
                                                        files: [("files", "bomb.png", DecompressionBombs.png16kRGBA16())])
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("maxPixels"))
            #expect(try await web.store.images().allSatisfy { $0.status != "stored" })
        }
    }

    @Test("thumbnails and views are served from the renditions stored at upload")
    func viewsComeFromStoredRenditions() async throws {
        try await withWebApp { web, client in
            var admin = try await loggedIn(client)
            let csrf = try await admin.get("/upload").csrf ?? ""
            let images = TestData.root.appendingPathComponent("DemoData/images")
            let first = try #require(try FileManager.default.contentsOfDirectory(atPath: images.path).sorted().first)
            let png = Array(try Data(contentsOf: images.appendingPathComponent(first)))
            _ = try await admin.postMultipart("/upload", fields: ["_csrf": csrf], files: [("files", "x.png", png)])
            let id = try #require(try await web.store.images().first?.id)
            for kind in ImageVault.Derived.allCases { #expect(try web.vault.load(id: id, derived: kind) != nil) }
            // Replace the original with bytes no decoder accepts: views still work, so they never decode it.
            try web.vault.store(id: id, bytes: Array("not an image".utf8))
            let thumb = try await admin.get("/images/\(id)/thumb")
            #expect(thumb.status == .ok)
            #expect(thumb.headers[.contentType] == "image/png")
            #expect(try await admin.get("/images/\(id)/full").status == .ok)
        }
    }
}
