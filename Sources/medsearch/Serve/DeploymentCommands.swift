import ArgumentParser
import Foundation
import MedSearchDeployment
import MedSearchServer

/// `medsearch pki init|issue|revoke`: the deployment's own certificate authority and its role certificates.
struct PKICommand: ParsableCommand {
    enum Action: String, ExpressibleByArgument, CaseIterable { case create = "init", issue, revoke }
    static let configuration = CommandConfiguration("pki", documentation: PKICommands.self)
    @Argument(help: "init (a CA: ca.pem, ca.key, revoked.txt), issue (<name>.pem, <name>.key) or revoke (onto the deny list).") var action: Action
    @Option(help: "The PKI directory.") var dir = "pki"
    @Option(help: "init: the deployment's name (default: deployment); issue: the instance name, e.g. node3.") var name: String?
    @Option(help: "issue: the role (\(PKICommands.roleNames)).") var role: String?
    @Option(help: "Validity in days (init: 3650, issue: 365, at most 3650).") var days: Int?
    @Option(help: "issue: a DNS name or IP address the role serves at (repeatable; loopback is always included).") var san: [String] = []
    @Option(help: "issue: write the certificate and key here (default: the PKI directory).") var out: String?
    @Option(help: "revoke: the certificate file.") var cert: String?
    @Option(help: "revoke: the serial number (hexadecimal).") var serial: String?

    func run() throws {
        let directory = URL(fileURLWithPath: dir), file = { (path: String?) in path.map { URL(fileURLWithPath: $0) } }
        let lines = switch action {
        case .create: try PKICommands.initialize(directory: directory, name: name ?? "deployment", days: days ?? 3650)
        case .issue: try PKICommands.issue(directory: directory, role: role, name: name, days: days ?? 365, subjectAlternativeNames: san, out: file(out))
        case .revoke: try PKICommands.revoke(directory: directory, certificate: file(cert), serial: serial)
        }
        lines.forEach { print($0) }
    }
}

/// `medsearch cluster up|status|down --config deploy.yaml`: every role of a deployment file on this machine.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("cluster", documentation: ClusterCommands.self)
    @Argument(help: "up (start and watch until SIGTERM or Ctrl-C), status (/healthz and /readyz of every role) or down.") var action: String
    @Option(help: "The deployment file.") var config: String
    @Option(help: "With up: start only these roles (comma-separated names).") var only: String?

    func run() async throws {
        let ready = try await ClusterCommands.run(action, config: URL(fileURLWithPath: config), only: only, executable: try MedSearchExecutable.current(),
                                                  print: { print($0); fflush(nil) }, report: { FileHandle.standardError.write(Data("cluster: \($0)\n".utf8)) })
        if !ready { throw ExitCode(3) }
    }
}
