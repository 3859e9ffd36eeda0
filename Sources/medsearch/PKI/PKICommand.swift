import ArgumentParser
import Foundation
import MedSearchTransport
import X509

/// `medsearch pki`: the deployment's own certificate authority and its role certificates.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Create the deployment CA and issue, list and revoke role certificates.",
        discussion: """
            Every role and every client of a deployment trusts exactly one CA: the deployment's own, made by \
            `pki init` (ECDSA P-256). Each role gets a certificate naming its role (subject alternative name URI \
            medsearch-role:<role>) and its addresses; servers check that role against the route table. Keep ca.key \
            off the servers. Revoked serial numbers go into revoked.txt beside ca.pem; roles reread it on SIGHUP.
            """,
        subcommands: [Init.self, Issue.self, Revoke.self])

    /// `pki init`.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a deployment CA (ca.pem, ca.key, revoked.txt).")

        @Option(help: "The PKI directory.")
        var dir: String = "pki"

        @Option(help: "A name for the deployment (in the CA's common name).")
        var name: String = "deployment"

        @Option(help: "Validity of the CA in days.")
        var days: Int = 3650

        func run() throws {
            let directory = URL(fileURLWithPath: dir)
            let ca = try DeploymentCA.initialize(in: directory, name: name, days: days)
            print("created CA \"MedSearch CA \(name)\" valid until \(ISO8601DateFormatter().string(from: ca.certificate.notValidAfter))")
            print("  \(directory.appendingPathComponent(DeploymentCA.FileName.certificate).path)  (give to every role and client)")
            print("  \(directory.appendingPathComponent(DeploymentCA.FileName.key).path)  (secret, mode 0600: keep it off the servers)")
            print("  \(directory.appendingPathComponent(DeploymentCA.FileName.revoked).path)  (deny list)")
        }
    }

    /// `pki issue`.
    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a role certificate (<name>.pem, <name>.key).")

        @Option(help: "The PKI directory holding ca.pem and ca.key.")
        var dir: String = "pki"

        @Option(help: ArgumentHelp("The role: \(ServiceRole.allCases.map(\.rawValue).joined(separator: ", ")).",
                                   valueName: "role"))
        var role: String

        @Option(help: "The instance name (common name and file name), e.g. node3.")
        var name: String

        @Option(help: "Validity in days.")
        var days: Int = 365

        @Option(name: .customLong("san"), parsing: .singleValue,
                help: "A DNS name or IP address the role serves at (repeatable; loopback names are always included).")
        var subjectAlternativeNames: [String] = []

        @Option(help: "Directory to write the certificate and key to (default: the PKI directory).")
        var out: String?

        func validate() throws {
            guard ServiceRole(rawValue: role) != nil else {
                throw ValidationError("--role must be one of \(ServiceRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (1...3650).contains(days) else { throw ValidationError("--days must be 1...3650") }
        }

        func run() throws {
            guard let role = ServiceRole(rawValue: role) else { throw ValidationError("unknown role") }
            let ca = try DeploymentCA.load(from: URL(fileURLWithPath: dir))
            let issued = try ca.issue(role: role, name: name, days: days, subjectAlternativeNames: subjectAlternativeNames,
                                      into: URL(fileURLWithPath: out ?? dir))
            print("issued \(issued.identity.role.rawValue) certificate \(issued.identity.name), serial \(issued.identity.serial), "
                  + "valid until \(ISO8601DateFormatter().string(from: issued.identity.notAfter))")
            print("  \(issued.certificateFile.path)")
            print("  \(issued.keyFile.path)  (secret, mode 0600)")
        }
    }

    /// `pki revoke`.
    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a certificate to the deny list (roles refuse it after their next start or SIGHUP).")

        @Option(help: "The PKI directory holding revoked.txt.")
        var dir: String = "pki"

        @Option(help: "The certificate file to revoke.")
        var cert: String?

        @Option(help: "The serial number to revoke (hexadecimal).")
        var serial: String?

        func validate() throws {
            guard (cert == nil) != (serial == nil) else { throw ValidationError("give exactly one of --cert and --serial") }
        }

        func run() throws {
            let list = URL(fileURLWithPath: dir).appendingPathComponent(DeploymentCA.FileName.revoked)
            var note = ""
            var number = serial ?? ""
            if let cert {
                let identity = try PeerIdentity(certificate: try TLSFiles.certificate(at: URL(fileURLWithPath: cert)))
                number = identity.serial
                note = "\(identity.role.rawValue) \(identity.name)"
            }
            try RevocationList.append(serial: number, comment: note, to: list)
            print("revoked serial \(RevocationList.normalised(number) ?? number)\(note.isEmpty ? "" : " (\(note))") in \(list.path); "
                  + "send SIGHUP to every role (or restart it) to apply")
        }
    }
}
