import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import _MedSearchTestSupport

/// `medsearch ingest --to https://...` trusts only the deployment's CA: the web application's certificate from
/// another CA is refused with a sentence naming the check, and with the right CA the TLS connection is made (the
/// PACS side then answers 401 to a bad token).
@Suite("ingest over HTTPS", .serialized) struct IngestTLSCLITests {
    @Test func aWrongCAIsRefusedClearlyAndTheRightOneConnects() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let executable = try CLITests.executable()
        let pki = directory.appendingPathComponent("pki").path, other = directory.appendingPathComponent("other").path
        for arguments in [["pki", "init", "--dir", pki], ["pki", "issue", "--dir", pki, "--role", "web", "--name", "web"],
                          ["pki", "init", "--dir", other]] {
            let result = try ChildProcess.run(executable, arguments)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let (process, url) = try ChildProcess.startServer(executable, [
            "serve", "web", "--port", "0", "--data-dir", directory.appendingPathComponent("web").path, "--engines", "sei",
            "--tls-ca", pki + "/ca.pem", "--tls-cert", pki + "/web.pem", "--tls-key", pki + "/web.key"])
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        #expect(url.hasPrefix("https://127.0.0.1:"))
        let tokenFile = directory.appendingPathComponent("token")
        let descriptor = open(tokenFile.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)  // owner-only from its first byte
        try #require(descriptor >= 0)
        _ = "not-a-token".withCString { write(descriptor, $0, 11) }
        close(descriptor)
        func ingest(_ extra: [String]) throws -> ChildProcess.Result {
            try ChildProcess.run(executable, ["ingest", "--dicomweb", url + "/dicom-web", "--to", url + "/dicom-web",
                                              "--source-token-file", tokenFile.path, "--token-file", tokenFile.path] + extra)
        }
        let wrong = try ingest(["--ca", other + "/ca.pem"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("the server's certificate is not valid for this deployment"), "\(wrong.stderr)")
        let none = try ingest([])
        #expect(none.status != 0)
        #expect(none.stderr.contains("give the deployment's CA with --ca"), "\(none.stderr)")
        let right = try ingest(["--ca", pki + "/ca.pem"])
        #expect(right.status != 0)
        #expect(right.stderr.contains("answered 401"), "\(right.stderr)")
    }
}
