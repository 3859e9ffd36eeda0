import Foundation
import MedSearchCore
import MedSearchTransport
import Testing

@Suite struct TokenFileTests {
    func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("token-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func tokenTablesNodeListsAndTokenFilesAreRefusedWhenOthersCanReadThem() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (table, byRole) = AccessTokens.issue(roles: [.owner, .edgeMaster])
        let tableFile = directory.appendingPathComponent("tokens.json")
        try table.write(to: tableFile)
        let list = TrustMedNodeList(threshold: 2, token: byRole[.edgeMaster]!, nodes: ["http://a:1", "http://b:2"])
        let listFile = directory.appendingPathComponent("nodes.json")
        try list.write(to: listFile)
        let tokenFile = directory.appendingPathComponent("owner.token")
        try TokenFile.write(byRole[.owner]!, to: tokenFile)

        #expect(try AccessTokens.load(from: tableFile) == table)
        #expect(try TrustMedNodeList.load(from: listFile) == list)
        #expect(try TokenFile.read(tokenFile) == byRole[.owner])

        for file in [tableFile, listFile, tokenFile] {
            #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o600)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        }
        for load in [{ _ = try AccessTokens.load(from: tableFile) }, { _ = try TrustMedNodeList.load(from: listFile) },
                     { _ = try TokenFile.read(tokenFile) }] as [() throws -> Void] {
            #expect {
                try load()
            } throws: { error in
                guard case let .configuration(reason) = error as? ServiceError else { return false }
                // The reason names the file and its mode, never a token.
                return reason.contains("mode 644") && !byRole.values.contains { reason.contains($0) }
            }
        }
    }

    @Test func emptyAndMalformedFilesAreConfigurationErrors() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty.token")
        try OwnerOnlyFile.write(Array("\n".utf8), to: empty)
        #expect(throws: ServiceError.configuration("token file \(empty.path) is empty")) { try TokenFile.read(empty) }
        let garbage = directory.appendingPathComponent("nodes.json")
        try OwnerOnlyFile.write(Array("[1, 2]".utf8), to: garbage)
        #expect(throws: ServiceError.self) { try TrustMedNodeList.load(from: garbage) }
        #expect(throws: ServiceError.self) { try TokenFile.read(directory.appendingPathComponent("missing")) }
    }
}
