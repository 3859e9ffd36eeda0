import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MedSearchStore
@testable import MedSearchWeb
import Testing
import _MedSearchTestSupport

/// A browser-like client for router tests: keeps the session cookie and reads CSRF tokens from pages.
struct WebTestClient {
    /// Sends one request: the path, method, headers and body; answers status, headers and body.
    typealias Transport = @Sendable (String, HTTPRequest.Method, HTTPFields, ByteBuffer?) async throws
        -> (status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer)
    let transport: Transport
    /// The session cookie (set at login).
    var cookie: String?
    /// The pre-login CSRF cookie (set on the first page seen without a session).
    var preLoginCookie: String?
    /// The source address the application sees for router-test requests (they have no peer address).
    var source: String { "unknown" }
    /// Other request headers sent with every request.
    var extraHeaders: HTTPFields = [:]

    init(client: any TestClientProtocol, cookie: String? = nil) {
        transport = { uri, method, headers, body in
            let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
            return (response.status, response.headers, response.body)
        }
        self.cookie = cookie
    }

    /// A client of a web application in another process (for example over HTTPS).
    init(transport: @escaping Transport) { self.transport = transport }

    /// The page body as text.
    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let text: String
        var csrf: String? {
            guard let range = text.range(of: "name=\"_csrf\" value=\"") else { return nil }
            return String(text[range.upperBound...].prefix(while: { $0 != "\"" }))
        }
        var location: String? { headers[.location] }
    }

    mutating func get(_ uri: String) async throws -> Page {
        try await send(uri, method: .get, headers: [:], body: nil)
    }

    mutating func post(_ uri: String, form: [String: String]) async throws -> Page {
        let body = form.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)"
        }.joined(separator: "&")
        return try await send(uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                              body: ByteBuffer(string: body))
    }

    mutating func postMultipart(_ uri: String, fields: [String: String],
                                files: [(field: String, name: String, bytes: [UInt8])]) async throws -> Page {
        let boundary = "----medsearchtest\(UUID().uuidString)"
        var body = [UInt8]()
        for (key, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Array(("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; "
                + "filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n").utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return try await send(uri, method: .post, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                              body: ByteBuffer(bytes: body))
    }

    private mutating func send(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields,
                               body: ByteBuffer?) async throws -> Page {
        var headers = headers
        headers.append(contentsOf: extraHeaders)
        let cookies = [cookie.map { "\(SessionMiddleware.cookieName)=\($0)" },
                       preLoginCookie.map { "\(SessionMiddleware.preLoginCookieName)=\($0)" }].compactMap { $0 }
        if !cookies.isEmpty { headers[.cookie] = cookies.joined(separator: "; ") }
        let response = try await transport(uri, method, headers, body)
        for value in response.headers[values: .setCookie] {
            if value.hasPrefix("\(SessionMiddleware.cookieName)=") {
                let token = value.dropFirst(SessionMiddleware.cookieName.count + 1).prefix(while: { $0 != ";" })
                cookie = token.isEmpty ? nil : String(token)
            } else if value.hasPrefix("\(SessionMiddleware.preLoginCookieName)=") {
                let token = value.dropFirst(SessionMiddleware.preLoginCookieName.count + 1).prefix(while: { $0 != ";" })
                preLoginCookie = token.isEmpty ? nil : String(token)
            }
        }
        return Page(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    /// Registers an account through the form.
    mutating func register(_ username: String, role: String = "clinician", password: String = "correct horse battery")
        async throws -> Page {
        let csrf = try await get("/register").csrf ?? ""
        return try await post("/register", form: ["_csrf": csrf, "username": username, "fullName": "Dr \(username)",
                                                  "role": role, "password": password, "confirm": password])
    }

    /// Logs in through the form.
    mutating func login(_ username: String, password: String = "correct horse battery") async throws -> Page {
        let csrf = try await get("/login").csrf ?? ""
        return try await post("/login", form: ["_csrf": csrf, "username": username, "password": password])
    }
}

/// Where a test's web store lives: SQLite in the data directory, or a fresh schema of the test PostgreSQL server.
enum WebStoreBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    /// SQLite, and PostgreSQL when a server is configured (StoreConformanceTests reports it skipped otherwise).
    static var configured: [WebStoreBackend] { TestPostgres.isConfigured ? [.sqlite, .postgres] : [.sqlite] }

    func location() throws -> StoreLocation? {
        switch self {
        case .sqlite: nil
        case .postgres: try TestPostgres.url(schema: TestPostgres.uniqueSchema("web")).map(StoreLocation.init(parsing:))
        }
    }
}

/// A web application over a fresh data directory (with `engines`, none by default), tested in process.
func withWebApp(maxUploadBytes: Int = 4 * 1024 * 1024, maxFileBytes: Int = 2 * 1024 * 1024, engines: [any WebEngine] = [],
                backend: WebStoreBackend = .sqlite, dicomwebTokens: [String: String] = [:], directory: URL? = nil,
                live: Bool = false, configure: (inout WebConfiguration) -> Void = { _ in },
                _ body: @escaping @Sendable (WebApplication, any TestClientProtocol) async throws -> Void) async throws {
    let fresh = FileManager.default.temporaryDirectory.appendingPathComponent("web-test-\(UUID().uuidString)")
    defer { if directory == nil { try? FileManager.default.removeItem(at: fresh) } }
    var configuration = WebConfiguration(port: 0, dataDirectory: directory ?? fresh, bcryptCost: 4,
                                         maxUploadBytes: maxUploadBytes, maxFileBytes: maxFileBytes,
                                         database: try backend.location(), dicomwebTokens: dicomwebTokens)
    configure(&configuration)
    let web = try await WebApplication(configuration: configuration, engines: engines)
    if live {
        // Real sockets (peer addresses, Content-Length as sent, idle timeouts).
        let app = try web.makeApplication(logger: Logger(label: "web-test"))
        try await app.test(.live) { client in try await body(web, client) }
    } else {
        let app = Application(router: web.makeRouter())
        try await app.test(.router) { client in try await body(web, client) }
    }
}

/// An owner's and an approved clinician's logged-in browsers, and the clinician's account id.
func ownerAndClinician(_ web: WebApplication, _ client: any TestClientProtocol) async throws
    -> (WebTestClient, WebTestClient, Int64) {
    var owner = WebTestClient(client: client)
    _ = try await owner.register("owner1", role: "owner")
    _ = try await owner.login("owner1")
    var clinician = WebTestClient(client: client)
    _ = try await clinician.register("clin1")
    let id = try #require(try await web.store.users().first(where: { $0.username == "clin1" })?.id)
    _ = try await web.store.setStatus(userId: id, status: .approved, role: .clinician)
    _ = try await clinician.login("clin1")
    return (owner, clinician, id)
}

/// The first `count` demo images (file name and bytes), in name order.
func demoImages(_ count: Int) throws -> [(String, [UInt8])] {
    let images = TestData.root.appendingPathComponent("DemoData/images")
    return try FileManager.default.contentsOfDirectory(atPath: images.path).sorted().prefix(count).map {
        ($0, Array(try Data(contentsOf: images.appendingPathComponent($0))))
    }
}
