import Foundation
import MedSearchCore
import MedSearchImaging
import Testing
import _MedSearchTestSupport

/// The de-identification secret on disk (issue 14, item 5): its default location honours `$HOME`, it is created
/// with mode 0600 from its first byte in a 0700 directory, and a key file others can read is refused, never used
/// or replaced.
@Suite struct DeidentificationKeyFileTests {
    @Test func theDefaultKeyIsCreatedOwnerOnlyUnderHomeAndReadBack() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("deid-home-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["HOME": home.path]
        let expected = home.appendingPathComponent(".medsearch/deid.key").path
        #expect(DeidentificationKeyFile.defaultPath(environment: environment) == expected)
        #expect(DeidentificationKeyFile.defaultPath(environment: ["HOME": home.path, "MEDSEARCH_DEID_KEY_FILE": "/k/deid"])
                == "/k/deid")

        var created: [String] = []
        let secret = try DeidentificationKeyFile.loadOrCreate(path: nil, environment: environment) { created.append($0) }
        #expect(created == [expected])
        #expect(secret.count == 32)
        #expect(TestData.permissions(expected) == 0o600)
        #expect(TestData.permissions(home.appendingPathComponent(".medsearch").path) == 0o700)
        // The file holds 64 hexadecimal digits and a newline, nothing else.
        #expect(FileManager.default.contents(atPath: expected)?.count == 65)

        let again = try DeidentificationKeyFile.loadOrCreate(path: nil, environment: environment) { created.append($0) }
        #expect(created.count == 1)
        #expect(again.copyBytes() == secret.copyBytes())
    }

    @Test func aKeyFileOthersCanReadIsRefusedAndLeftAlone() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("deid-exposed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("deid.key")
        let contents = Data((String(repeating: "ab", count: 32) + "\n").utf8)
        // Made readable by everyone at creation (a careless copy), not by a later chmod.
        #expect(FileManager.default.createFile(atPath: file.path, contents: contents,
                                               attributes: [.posixPermissions: 0o644]))
        #expect(throws: OwnerOnlyFile.Failure.self) {
            _ = try DeidentificationKeyFile.loadOrCreate(path: file.path) { _ in Issue.record("a key was created") }
        }
        #expect(FileManager.default.contents(atPath: file.path) == contents)
        #expect(TestData.permissions(file.path) == 0o644)
    }
}
