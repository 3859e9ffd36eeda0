import Foundation
import MedSearchClient
import MedSearchSEI
import Testing
import _MedSearchTestSupport

/// SEI's secret files (issue 14, item 5): the owner state and a user's secret W are written with mode 0600 from
/// their first byte (the registration request is public), and a secret file others can read is refused, before
/// any use, with the file's name, never its contents.
@Suite struct SEIKeyFileTests {
    @Test func secretsAreOwnerOnlyAndExposedOnesAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sei-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try SEIClientFlows.keygen(ownerFile: path("owner.key"), configuration: .init(dimension: 8))
        try SEIClientFlows.userKeygen(dimension: 8, secretFile: path("user.key"), requestFile: path("request.bin"))
        for secret in ["owner.key", "user.key"] {
            #expect(TestData.permissions(path(secret)) == 0o600, "\(secret)")
        }
        #expect(try ClientFiles.readSecret(path("owner.key")) == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("owner.key")))))

        // A copy of the owner state made readable by others at creation (not by a later chmod) is refused.
        let exposed = path("exposed.key")
        let contents = try #require(FileManager.default.contents(atPath: path("owner.key")))
        #expect(FileManager.default.createFile(atPath: exposed, contents: contents, attributes: [.posixPermissions: 0o644]))
        for read in [{ _ = try ClientFiles.readSecret(exposed) },
                     { _ = try SEIClientFlows.register(ownerFile: exposed, requestFile: path("request.bin"),
                                                       credentialsFile: path("other.key")) }] as [() throws -> Void] {
            #expect {
                try read()
            } throws: { error in
                guard case let .unreadableFile(file, hint)? = error as? MedSearchClientError else { return false }
                return file == exposed && hint.contains("chmod 600")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: path("other.key")))
    }
}
