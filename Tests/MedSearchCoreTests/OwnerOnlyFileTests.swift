import Foundation
@testable import MedSearchCore
import Testing
import _MedSearchTestSupport

@Suite struct OwnerOnlyFileTests {
    func scratch() throws -> URL { try TestData.scratchDirectory("owner-only") }

    func mode(_ path: String) throws -> Int { try #require(TestData.permissions(path)) }

    @Test func writesMode0600InNew0700DirectoriesAndRoundTrips() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a/b/secret.key")
        try OwnerOnlyFile.write([1, 2, 3], to: file)
        #expect(try mode(file.path) == 0o600)
        #expect(try mode(directory.appendingPathComponent("a").path) == 0o700)
        #expect(try mode(directory.appendingPathComponent("a/b").path) == 0o700)
        #expect(try OwnerOnlyFile.read(from: file) == [1, 2, 3])
        // Nothing is left beside the file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path) == ["secret.key"])
    }

    @Test("the temporary file is 0600 and private before it becomes the secret: no window")
    func noWindow() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("token.json")
        var seen: [(file: Int, directory: Int, content: [UInt8])] = []
        try OwnerOnlyFile.write([9, 8, 7], to: file) { temporary in
            let parent = (temporary as NSString).deletingLastPathComponent
            seen.append(((try? mode(temporary)) ?? -1, (try? mode(parent)) ?? -1,
                         [UInt8](FileManager.default.contents(atPath: temporary) ?? Data())))
            // The target does not exist yet: readers never see a partial secret.
            #expect(!FileManager.default.fileExists(atPath: file.path))
        }
        #expect(seen.count == 1)
        #expect(seen.first?.file == 0o600)
        #expect(seen.first?.directory == 0o700)
        #expect(seen.first?.content == [9, 8, 7])
        #expect(try mode(file.path) == 0o600)
    }

    @Test func replacesAWorldReadableFileAndASymbolicLinkWithoutFollowingIt() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("old.key")
        #expect(FileManager.default.createFile(atPath: file.path, contents: Data([1]), attributes: [.posixPermissions: 0o644]))
        try OwnerOnlyFile.write([2], to: file)
        #expect(try mode(file.path) == 0o600)
        #expect(try OwnerOnlyFile.read(from: file) == [2])

        let victim = directory.appendingPathComponent("victim")
        #expect(FileManager.default.createFile(atPath: victim.path, contents: Data([42]), attributes: [.posixPermissions: 0o644]))
        let link = directory.appendingPathComponent("link.key")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: victim)
        try OwnerOnlyFile.write([3], to: link)
        #expect(FileManager.default.contents(atPath: victim.path) == Data([42]))
        #expect(try mode(link.path) == 0o600)
        // The link itself was replaced by a regular file.
        #expect(try FileManager.default.attributesOfItem(atPath: link.path)[.type] as? FileAttributeType == .typeRegular)
    }

    @Test func readsRefuseGroupOrWorldAccessNamingThePathNotTheContent() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("secret")
        try OwnerOnlyFile.write(Array("s3cr3t-value".utf8), to: file)
        for bad in [0o644, 0o640, 0o604, 0o660, 0o606] {
            try FileManager.default.setAttributes([.posixPermissions: bad], ofItemAtPath: file.path)
            #expect(throws: OwnerOnlyFile.Failure.insecurePermissions(path: file.path, mode: UInt16(bad))) {
                try OwnerOnlyFile.read(from: file)
            }
            let message = OwnerOnlyFile.Failure.insecurePermissions(path: file.path, mode: UInt16(bad)).description
            #expect(message.contains("chmod 600") && !message.contains("s3cr3t"))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: file.path)
        #expect(try OwnerOnlyFile.read(from: file) == Array("s3cr3t-value".utf8))
        // Too large, missing, or a directory: typed errors.
        #expect(throws: OwnerOnlyFile.Failure.self) { try OwnerOnlyFile.read(from: file, maxBytes: 4) }
        #expect(throws: OwnerOnlyFile.Failure.self) { try OwnerOnlyFile.read(from: directory.appendingPathComponent("none")) }
        #expect(throws: OwnerOnlyFile.Failure.self) { try OwnerOnlyFile.read(from: directory) }
    }

    @Test func readOrCreateCreatesOnceAndNeverReplacesAnInsecureFile() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("deid.key")
        var calls = 0
        let first = try OwnerOnlyFile.readOrCreate(at: file) { calls += 1; return [5, 5] }
        let second = try OwnerOnlyFile.readOrCreate(at: file) { calls += 1; return [6, 6] }
        #expect(first == [5, 5] && second == [5, 5] && calls == 1)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect(throws: OwnerOnlyFile.Failure.self) { try OwnerOnlyFile.readOrCreate(at: file) { [7] } }
        #expect(FileManager.default.contents(atPath: file.path) == Data([5, 5]))
    }
}
