import Foundation
import MedSearchCore
import MedSearchServer
import MedSearchTransport

/// What `medsearch pki init|issue|revoke` does: each returns the lines the command prints.
public enum PKICommands {
    /// The command's one-line help.
    public static let abstract = "Create the deployment CA; issue and revoke role certificates."
    /// The help text of `medsearch pki`.
    public static let discussion = """
        Every role and every client of a deployment trusts exactly one CA: the deployment's own, made by \
        `pki init` (ECDSA P-256). Each role gets a certificate naming its role (subject alternative name URI \
        medsearch-role:<role>) and its addresses; servers check that role against the route table. Keep ca.key \
        off the servers. Revoked serial numbers go into revoked.txt beside ca.pem; roles reread it on SIGHUP.
        """

    /// The roles a certificate may name, for help texts.
    public static let roleNames = ServiceRole.allCases.map(\.rawValue).joined(separator: ", ")

    /// Creates a CA in `directory` named after the deployment `name`, valid `days` days.
    public static func initialize(directory: URL, name: String, days: Int) throws -> [String] {
        let ca = try DeploymentCA.initialize(in: directory, name: name, days: days)
        return ["created CA \"MedSearch CA \(name)\" valid until \(ISO8601DateFormatter().string(from: ca.certificate.notValidAfter))",
                "  \(directory.appendingPathComponent(DeploymentCA.FileName.certificate).path)  (give to every role and client)",
                "  \(directory.appendingPathComponent(DeploymentCA.FileName.key).path)  (secret, mode 0600: keep it off the servers)",
                "  \(directory.appendingPathComponent(DeploymentCA.FileName.revoked).path)  (deny list)"]
    }

    /// Issues a certificate for `role` named `name` from the CA in `directory`, written to `out` (default: `directory`).
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` for a missing name, a missing or unknown role or a validity
    ///   outside 1...3650 days;
    ///   ``TLSFailure`` when the CA cannot be read or the files written.
    public static func issue(directory: URL, role roleName: String?, name: String?, days: Int,
                             subjectAlternativeNames: [String], out: URL?) throws -> [String] {
        guard let role = roleName.flatMap(ServiceRole.init(rawValue:)) else {
            throw ServiceError.configuration("pki issue needs --role, one of \(roleNames)")
        }
        guard let name else { throw ServiceError.configuration("pki issue needs --name (the instance, e.g. node3)") }
        guard (1...3650).contains(days) else { throw ServiceError.configuration("--days must be 1...3650") }
        let issued = try DeploymentCA.load(from: directory).issue(role: role, name: name, days: days,
                                                                  subjectAlternativeNames: subjectAlternativeNames,
                                                                  into: out ?? directory)
        return ["issued \(issued.identity.role.rawValue) certificate \(issued.identity.name), serial \(issued.identity.serial), "
                + "valid until \(ISO8601DateFormatter().string(from: issued.identity.notAfter))",
                "  \(issued.certificateFile.path)", "  \(issued.keyFile.path)  (secret, mode 0600)"]
    }

    /// Adds the serial number of `certificate` (or `serial`) to the deny list of the PKI `directory`.
    public static func revoke(directory: URL, certificate: URL?, serial: String?) throws -> [String] {
        guard (certificate == nil) != (serial == nil) else {
            throw ServiceError.configuration("give exactly one of --cert and --serial")
        }
        let list = directory.appendingPathComponent(DeploymentCA.FileName.revoked)
        var note = ""
        var number = serial ?? ""
        if let certificate {
            let identity = try PeerIdentity(certificate: try TLSFiles.certificate(at: certificate))
            number = identity.serial
            note = "\(identity.role.rawValue) \(identity.name)"
        }
        try RevocationList.append(serial: number, comment: note, to: list)
        return ["revoked serial \(RevocationList.normalised(number) ?? number)\(note.isEmpty ? "" : " (\(note))") in \(list.path); "
                + "send SIGHUP to every role (or restart it) to apply"]
    }
}

extension PKICommands: CommandDocumentation {}
