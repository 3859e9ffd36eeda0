import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
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

    /// Generous for a debug web server at rest (about 60-120 MB) and one SEI engine; far below the 9.3 GB the
    /// 16384 x 16384 bomb reached before the decode limits.
    static let webCeiling = 768 << 20

    @Test func theWebApplicationRefusesABombUploadInBoundedMemory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-bomb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (process, url) = try ChildProcess.startServer(try CLITests.executable(), [
            "serve", "web", "--port", "0", "--data-dir", directory.path, "--engines", "sei", "--insecure-cookies"])
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
}
