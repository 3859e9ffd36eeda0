import Foundation
import MedSearchCore
import Testing
import _MedSearchTestSupport

/// Runs the built `medsearch` binary as a user would and checks its output and exit codes.
@Suite struct CLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func executable() throws -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("medsearch")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let built = TestData.root.appendingPathComponent(".build/debug/medsearch")
        guard FileManager.default.isExecutableFile(atPath: built.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: built.path])
        }
        return built
    }

    func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = arguments
        process.currentDirectoryURL = TestData.root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    @Test func everySubcommandHasHelp() throws {
        let commands = [["demo"], ["inspect"], ["deid"], ["eval"], ["cipher-stats"], ["fnn"], ["sei"], ["trustmed"],
                        ["serve"], ["serve", "fnn-c1"], ["serve", "fnn-c2"], ["serve", "sei"], ["serve", "edge-master"],
                        ["serve", "storage-node"], ["serve", "search-worker"], ["serve", "web"], ["pki"], ["cluster"],
                        ["bench"], ["bench", "imaging"], ["bench", "crypto"], ["bench", "bfv"], ["bench", "deploy"]]
        for command in commands {
            let result = try run(command + ["--help"])
            #expect(result.status == 0, "\(command) --help exited \(result.status)")
            #expect(result.stdout.contains("USAGE:"), "\(command) --help printed no usage")
        }
        let sei = try run(["sei", "--help"])
        #expect(sei.stdout.lowercased().contains("known-plaintext"))
    }

    @Test func inspectPrintsTheAgreedJSONKeys() throws {
        let file = TestData.root.appendingPathComponent("DemoData/dicom/CT_small.dcm").path
        let result = try run(["inspect", file, "--json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let keys = Set(object?.keys.map { $0 } ?? [])
        #expect(keys == ["format", "transferSyntax", "modality", "rows", "columns", "frames", "bitsAllocated",
                         "samplesPerPixel", "photometric", "pixelMin", "pixelMax", "pixelSHA256"])
        #expect(object?["modality"] as? String == "CT")
        #expect((object?["pixelSHA256"] as? String)?.hasPrefix("7a481f6ffff833ae") == true)
    }

    @Test func badInputGivesOneLineErrorsAndNonZeroExits() throws {
        let truncated = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID().uuidString).dcm")
        let bytes = try Data(contentsOf: TestData.root.appendingPathComponent("DemoData/dicom/CT_small.dcm"))
        try bytes.prefix(1000).write(to: truncated)
        defer { try? FileManager.default.removeItem(at: truncated) }
        let result = try run(["inspect", truncated.path, "--json"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(truncated.lastPathComponent))
        let missing = try run(["inspect", "/nonexistent/file.dcm"])
        #expect(missing.status != 0)
        #expect(!missing.stderr.isEmpty)
        let unknown = try run(["no-such-command"])
        #expect(unknown.status != 0)
        let badPort = try run(["serve", "sei", "--port", "70000", "--data-dir", "/tmp/x", "--tokens", "/tmp/y"])
        #expect(badPort.status != 0)
        let missingTokens = try run(["serve", "storage-node", "--port", "0", "--data-dir",
                                     FileManager.default.temporaryDirectory.appendingPathComponent("n-\(UUID())").path,
                                     "--tokens", "/nonexistent/tokens.json", "--insecure"])
        #expect(missingTokens.status != 0)
        #expect(missingTokens.stderr.contains("token file"))
        let badLimit = try run(["serve", "web", "--port", "0", "--data-dir", "/tmp/x", "--max-file-mib", "0"])
        #expect(badLimit.status != 0)
        #expect(badLimit.stderr.contains("--max-file-mib must be 1...1024"))
    }

    @Test func pkiCreatesACAIssuesRoleCertificatesAndRevokesThem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pki-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let dir = directory.appendingPathComponent("pki").path
        let created = try run(["pki", "init", "--dir", dir, "--name", "cli-test"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("MedSearch CA cli-test"))
        #expect(try run(["pki", "init", "--dir", dir]).status != 0, "a second CA in the same directory")
        let issued = try run(["pki", "issue", "--dir", dir, "--role", "storage-node", "--name", "node3", "--days", "30"])
        #expect(issued.status == 0, "\(issued.stderr)")
        let serial = try #require(issued.stdout.firstMatch(of: /serial ([0-9a-f]+)/)?.1)
        for key in ["ca.key", "node3.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: "\(dir)/\(key)")[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(key) has mode \(String(mode ?? 0, radix: 8))")
        }
        let wrongRole = try run(["pki", "issue", "--dir", dir, "--role", "nurse", "--name", "x"])
        #expect(wrongRole.status != 0 && wrongRole.stderr.contains("--role"))
        #expect(try run(["pki", "issue", "--dir", dir, "--role", "owner", "--name", "x", "--days", "9999"]).status != 0)
        let revoked = try run(["pki", "revoke", "--dir", dir, "--cert", "\(dir)/node3.pem"])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let list = try String(contentsOfFile: "\(dir)/revoked.txt", encoding: .utf8)
        #expect(list.contains(String(serial)) && list.contains("storage-node node3"))
        #expect(try run(["pki", "revoke", "--dir", dir]).status != 0, "revoke needs --cert or --serial")
    }

    @Test func demoWithoutEnginesRunsPlaintextRetrievalOnTheEmbeddedData() throws {
        let result = try run(["demo", "--engines", "", "-k", "3"])
        #expect(result.status == 0, "demo failed: \(result.stderr)")
        #expect(result.stdout.contains("179 images with labels"))
        #expect(result.stdout.contains("CT_small.dcm: CT"))
        #expect(result.stdout.contains("Plaintext retrieval"))
        #expect(result.stdout.contains("P@5"))
    }
}
