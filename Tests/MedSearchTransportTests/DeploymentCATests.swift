import Foundation
import MedSearchTransport
import Testing
import X509

@Suite struct DeploymentCATests {
    func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func mode(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
    }

    @Test func initIssuesRoleCertificatesWithPrivateKeysOnlyTheOwnerReads() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = try DeploymentCA.initialize(in: directory, name: "unit")
        #expect(try mode(directory.appendingPathComponent("ca.key")) == 0o600)
        #expect(try mode(directory.appendingPathComponent("ca.pem")) & 0o044 == 0o044)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("revoked.txt").path))
        // A second init in the same place is refused: a CA is never silently replaced.
        #expect(throws: TLSFailure.self) { try DeploymentCA.initialize(in: directory, name: "again") }

        let issued = try ca.issue(role: .storageNode, name: "node3", days: 30, subjectAlternativeNames: ["node3.example.org", "10.1.2.3"],
                                  into: directory)
        #expect(try mode(issued.keyFile) == 0o600)
        #expect(issued.identity.role == .storageNode)
        #expect(issued.identity.name == "node3")
        #expect(abs(issued.identity.notAfter.timeIntervalSinceNow - 30 * 86400) < 60)
        let names = try #require(try issued.certificate.extensions.subjectAlternativeNames)
        #expect(names.contains(.uniformResourceIdentifier("medsearch-role:storage-node")))
        #expect(names.contains(.dnsName("node3.example.org")))
        #expect(names.contains(.dnsName("localhost")))
        #expect(names.contains(.ipAddress(.init(contentBytes: [10, 1, 2, 3]))))
        #expect(names.contains(.ipAddress(.init(contentBytes: [127, 0, 0, 1]))))
        // Loaded back from its files, the CA issues certificates that verify against the same root.
        let reloaded = try DeploymentCA.load(from: directory)
        #expect(reloaded.certificate == ca.certificate)
        let credentials = try TLSCredentials(files: .issued("node3", in: directory))
        #expect(credentials.identity == issued.identity)

        // Bad names and addresses are refused before anything is written.
        #expect(throws: TLSFailure.self) { _ = try ca.issue(role: .owner, name: "a b", into: directory) }
        #expect(throws: TLSFailure.self) { _ = try ca.issue(role: .owner, name: "ca", into: directory) }
        #expect(throws: TLSFailure.self) {
            _ = try ca.issue(role: .owner, name: "x", subjectAlternativeNames: ["bad name!"], into: directory)
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "openssl is not installed"))
    func opensslAgreesWithTheChainAndTheRole() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = try DeploymentCA.initialize(in: directory, name: "unit")
        let issued = try ca.issue(role: .fnnC2, name: "c2", into: directory)
        let verify = try run("/usr/bin/openssl", ["verify", "-CAfile", directory.appendingPathComponent("ca.pem").path,
                                                  "-purpose", "sslserver", issued.certificateFile.path])
        #expect(verify.contains(": OK"))
        let text = try run("/usr/bin/openssl", ["x509", "-in", issued.certificateFile.path, "-noout", "-text"])
        #expect(text.contains("URI:medsearch-role:fnn-c2"))
        #expect(text.contains("OU=fnn-c2") || text.contains("OU = fnn-c2"))
        #expect(text.contains("TLS Web Client Authentication"))
        let key = try run("/usr/bin/openssl", ["pkey", "-in", issued.keyFile.path, "-noout", "-text"])
        #expect(key.contains("prime256v1") || key.contains("P-256"))
        // openssl prints the serial as uppercase hex: the deny list accepts it as written.
        let serial = try run("/usr/bin/openssl", ["x509", "-in", issued.certificateFile.path, "-noout", "-serial"])
        let printed = String(serial.split(separator: "=").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(RevocationList(serials: [printed]).contains(issued.identity.serial))
    }

    @Test func denyListsNormaliseSerialsAndNameTheBadLine() throws {
        let list = try RevocationList(text: "# comment\n0A:1B:2c  # node3\n\n00ff\n", path: "revoked.txt")
        #expect(list.contains("0a1b2c"))
        #expect(list.contains("A1B2C"))
        #expect(list.contains("ff"))
        #expect(!list.contains("fe"))
        #expect(throws: TLSFailure.invalidFile(path: "revoked.txt", reason: "line 2 is not a hexadecimal serial number")) {
            _ = try RevocationList(text: "ab\nnode3\n", path: "revoked.txt")
        }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("revoked.txt")
        try RevocationList.append(serial: "0x12".replacingOccurrences(of: "0x", with: ""), comment: "first", to: file)
        try RevocationList.append(serial: "AB:CD", comment: "", to: file)
        let loaded = try RevocationList.load(file)
        #expect(loaded.serials == ["12", "abcd"])
    }

    @Test func certificateRolesAdmitOnlyTheirRoutes() {
        // A server role's certificate opens exactly the routes naming it.
        #expect(Routes.StorageNode.putShare.admits(certificateRole: .edgeMaster))
        #expect(!Routes.StorageNode.putShare.admits(certificateRole: .storageNode))
        #expect(!Routes.StorageNode.putShare.admits(certificateRole: .owner))
        #expect(Routes.FNNC2.exchange.admits(certificateRole: .fnnC1))
        #expect(!Routes.FNNC2.exchange.admits(certificateRole: .fnnC2))
        #expect(!Routes.EdgeMaster.upload.admits(certificateRole: .storageNode))
        // A hospital-side certificate opens the hospital-side routes; the token then decides.
        #expect(Routes.EdgeMaster.upload.admits(certificateRole: .web))
        #expect(Routes.SEI.search.admits(certificateRole: .admin))
        #expect(!Routes.FNNC2.exchange.admits(certificateRole: .owner))
        #expect(Routes.health.admits(certificateRole: .storageNode))
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
