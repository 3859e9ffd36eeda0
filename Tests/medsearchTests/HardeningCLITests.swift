import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
#if canImport(Glibc)
import Glibc
#endif
import _MedSearchTestSupport

/// Issue 14 through the real binary: the web application refuses a decompression bomb upload with a 4xx in
/// bounded memory (the web process's own peak RSS), the imaging commands explain a directory in a sentence, and
/// a labels file that is not UTF-8 is named with the offending byte.
@Suite("Hardening through the binary", .serialized) struct HardeningCLITests {
    @Test func inspectAndDeidOnADirectoryPrintASentence() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for arguments in [["inspect", directory.path], ["deid", directory.path, directory.appendingPathComponent("o.dcm").path,
                                                        "--key-file", directory.appendingPathComponent("k").path]] {
            let result = try ChildProcess.run(CLITests.executable(), arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains("it is a directory; give one image file"), "\(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("error 256"))
        }
    }

    /// Issue 14, item 5, through the binary: a token file or a de-identification key that others can read is
    /// refused before any use (non-zero exit, the path named, the secret never printed), nothing is written, and
    /// the file is left as it was.
    @Test func secretsOthersCanReadAreRefusedByTheCommands() throws {
        let directory = try DecodeLimitCLITests.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = "s3cr3t-\(UUID().uuidString)"
        let token = directory.appendingPathComponent("owner.token")
        let key = directory.appendingPathComponent("deid.key")
        let output = directory.appendingPathComponent("out.dcm")
        for file in [token, key] {
            #expect(FileManager.default.createFile(atPath: file.path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o644]))
        }
        let input = TestData.root.appendingPathComponent("Tests/MedSearchImagingTests/Fixtures/CT_small.dcm").path
        for (arguments, file) in [(["trustmed", "status", "--master", "http://127.0.0.1:9", "--token-file", token.path], token),
                                  (["deid", input, output.path, "--key-file", key.path], key)] {
            let result = try ChildProcess.run(CLITests.executable(), arguments)
            #expect(result.status != 0, "\(arguments[0])")
            #expect(result.stderr.contains(file.path), "\(result.stderr)")
            #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
            #expect(result.peakResidentBytes < DecodeLimitCLITests.ceiling, "peak RSS \(result.peakResidentBytes >> 20) MiB")
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o644 && (try? String(contentsOf: file, encoding: .utf8)) == secret)
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func labelsThatAreNotUTF8AreNamedPrecisely() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("images"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let demo = TestData.root.appendingPathComponent("DemoData/images")
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: demo.path).sorted().first)
        try FileManager.default.copyItem(at: demo.appendingPathComponent(first), to: directory.appendingPathComponent("images/a.png"))
        // Latin-1 "é" (0xE9) on line 2, byte 17.
        try Data(Array("id,labels\na,Pleural".utf8) + [0xE9] + Array("panchement\n".utf8))
            .write(to: directory.appendingPathComponent("labels.csv"))
        let result = try ChildProcess.run(CLITests.executable(), ["eval", "--data", directory.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("is not UTF-8 text: invalid byte at offset 19 (line 2)"), "\(result.stderr)")
    }

    @Test("the demo's password reaches stdout at once when stdout is a file, not at shutdown")
    func theDemoPasswordIsWrittenWhileTheServerRuns() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("stdout.txt")
        #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = try CLITests.executable()
        process.arguments = ["serve", "web", "--port", "0", "--data-dir", directory.appendingPathComponent("data").path,
                             "--engines", "sei", "--demo", "--demo-limit", "2", "--demo-password", "demo-pass-1234"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        var text = ""
        for _ in 0..<1200 where process.isRunning && !text.contains("password: demo-pass-1234") {
            try await Task.sleep(for: .milliseconds(200))
            text = String(decoding: FileManager.default.contents(atPath: log.path) ?? Data(), as: UTF8.self)
        }
        #expect(process.isRunning, "the web application exited early")
        #expect(text.contains("demo accounts: demo-admin, demo-owner, demo-clinician; password: demo-pass-1234"), "\(text)")
    }

    /// A role started by a launcher stops itself when the launcher dies without stopping it
    /// (`ParentProcessWatch`): the web application, killed with SIGKILL, leaves no `serve sei` behind.
    @Test func aRoleStopsWhenItsLauncherIsKilled() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-orphan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (process, _) = try Self.startWebApplication(directory)
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let web = process.processIdentifier
        var children: [Int32] = []
        for _ in 0..<600 where children.isEmpty {
            children = Self.processes { $0.parent == web && $0.command.contains("serve") }
            if children.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(!children.isEmpty, "the web application started no role process")
        kill(web, SIGKILL)
        process.waitUntilExit()
        var running = children
        for _ in 0..<600 where !running.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            running = running.filter { pid in !Self.processes { $0.pid == pid && $0.state != "Z" }.isEmpty }
        }
        #expect(running.isEmpty, "role processes \(running) outlived their launcher by 60 s")
        for pid in running { kill(pid, SIGKILL) }
    }

    /// The processes of this machine (from /proc/PID/stat) for which `include` holds.
    static func processes(_ include: ((pid: Int32, parent: Int32, state: String, command: String)) -> Bool) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?
                .replacingOccurrences(of: "\0", with: " ") ?? ""
            guard fields.count > 2, let parent = Int32(fields[1]) else { return false }
            return include((pid, parent, String(fields[0]), command))
        }
    }

    /// Generous for a debug web server at rest (about 60-120 MB) and one SEI engine; far below the 9.3 GB the
    /// 16384 x 16384 bomb reached before the decode limits.
    static let webCeiling = 768 << 20
    /// The web application's session cookie (`SessionMiddleware.cookieName`).
    static let sessionCookie = "ms_session"

    /// Starts `medsearch serve web` (SEI engine, plain HTTP on a free loopback port, data in `directory`); returns
    /// the process (terminate it when done) and its base URL.
    static func startWebApplication(_ directory: URL) throws -> (process: Process, url: String) {
        try ChildProcess.startServer(try CLITests.executable(), [
            "serve", "web", "--port", "0", "--data-dir", directory.path, "--engines", "sei", "--insecure-cookies"])
    }

    @Test func theWebApplicationRefusesABombUploadInBoundedMemory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-bomb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (process, url) = try Self.startWebApplication(directory)
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let session = URLSession(configuration: .ephemeral)
        func csrf(_ path: String) async throws -> String {
            let (data, _) = try await session.data(from: URL(string: url + path)!)
            let text = String(decoding: data, as: UTF8.self)
            guard let range = text.range(of: "name=\"_csrf\" value=\"") else { return "" }
            return String(text[range.upperBound...].prefix { $0 != "\"" })
        }
        func post(_ path: String, _ fields: [String: String]) async throws -> Int {
            var request = URLRequest(url: URL(string: url + path)!)
            request.httpMethod = "POST"
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                .joined(separator: "&").utf8)
            let (_, response) = try await session.data(for: request)
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }
        let password = "correct horse battery"
        _ = try await post("/register", ["_csrf": try await csrf("/register"), "username": "admin", "fullName": "A",
                                         "password": password, "confirm": password])
        _ = try await post("/login", ["_csrf": try await csrf("/login"), "username": "admin", "password": password])
        let token = try await csrf("/upload")
        try #require(!token.isEmpty, "not logged in")
        let boundary = "bomb\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(token)\r\n".utf8)
        body += Data(("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"bomb.png\"\r\n"
            + "Content-Type: image/png\r\n\r\n").utf8)
        body += Data(DecompressionBombs.png16kRGBA16()) + Data("\r\n--\(boundary)--\r\n".utf8)
        var upload = URLRequest(url: URL(string: url + "/upload")!)
        upload.httpMethod = "POST"
        upload.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        upload.httpBody = body
        let (page, response) = try await session.data(for: upload)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        #expect((400..<500).contains(status))
        #expect(String(decoding: page, as: UTF8.self).contains("maxPixels"))
        let peak = try #require(ChildProcess.highWaterMark(of: process.processIdentifier))
        #expect(peak < Self.webCeiling, "web server peak RSS \(peak >> 20) MiB")
    }

    /// Issue 14, items 2 and 4, through the real process: four anonymous logins streaming 16 MiB each with no
    /// declared length (before the form limit the application read and URL-decoded every byte, and four such
    /// posts stalled it) are each answered 413 while `/health` keeps answering, the process grows by far less than
    /// the 64 MiB sent, and no request without a cookie is given a session.
    @Test func anonymousStreamedPostsAreRefusedInBoundedMemoryAndCreateNoSession() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-flood-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (process, url) = try Self.startWebApplication(directory)
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let port = try #require(loopbackPort(of: url))
        func get(_ path: String) async throws -> String {
            let connection = try RawHTTPConnection(port: port, readTimeout: 120)
            try connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return await connection.receive().text
        }
        _ = try await get("/health")
        let before = try #require(ChildProcess.highWaterMark(of: process.processIdentifier))
        let perPost = 16 << 20
        let (posts, health) = try await withThrowingTaskGroup(of: (Int?, String?).self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let connection = try RawHTTPConnection(port: port, readTimeout: 120)
                    try connection.send("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
                    async let answer = connection.receive { $0.contains("\r\n\r\n") }
                    _ = await connection.sendChunkedBody(total: perPost)
                    return (RawHTTPConnection.statusCode(of: await answer.text), nil)
                }
            }
            group.addTask { (nil, try await get("/health")) }
            var posts: [Int?] = []
            var health = ""
            for try await (status, text) in group {
                if let text { health = text } else { posts.append(status) }
            }
            return (posts, health)
        }
        #expect(posts == [413, 413, 413, 413])
        #expect(RawHTTPConnection.statusCode(of: health) == 200, "\(health.prefix(200))")
        for path in ["/health", "/login", "/register"] {
            let page = try await get(path)
            #expect(RawHTTPConnection.statusCode(of: page) == 200, "\(path)")
            #expect(!page.lowercased().contains("set-cookie: \(Self.sessionCookie)="), "\(path) gave a session")
        }
        let after = try #require(ChildProcess.highWaterMark(of: process.processIdentifier))
        #expect(after - before < perPost, "web server peak RSS \(before >> 20) -> \(after >> 20) MiB")
        #expect(after < Self.webCeiling, "web server peak RSS \(after >> 20) MiB")
    }
}
