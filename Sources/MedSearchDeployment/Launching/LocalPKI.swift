import Foundation
import MedSearchServer
import MedSearchTransport
import Synchronization

/// A deployment CA in a directory and the certificates issued from it, for deployments started on one machine
/// (the demo, the web application's `--demo`, `cluster up`, the tests): every role gets its own certificate,
/// every client of the hospital side one per role it acts as.
///
/// ```swift
/// let pki = try LocalPKI.open(in: directory.appendingPathComponent("pki"), name: "demo")
/// let files = try pki.files(role: .storageNode, name: "node3")        // issued once, reused at restarts
/// let owner = try pki.clientConfiguration(.owner)                     // TLS credentials of an owner client
/// ```
public final class LocalPKI: Sendable {
    /// The PKI directory (``DeploymentCA`` layout).
    public let directory: URL
    private let ca: DeploymentCA
    private let clients: Mutex<[ServiceRole: TLSCredentials]>

    private init(directory: URL, ca: DeploymentCA) {
        self.directory = directory
        self.ca = ca
        clients = Mutex([:])
    }

    /// Opens the CA in `directory`, creating it when there is none.
    ///
    /// - Throws: ``TLSFailure``.
    public static func open(in directory: URL, name: String = "local") throws -> LocalPKI {
        let keyFile = directory.appendingPathComponent(DeploymentCA.FileName.key)
        let ca = FileManager.default.fileExists(atPath: keyFile.path)
            ? try DeploymentCA.load(from: directory)
            : try DeploymentCA.initialize(in: directory, name: name)
        return LocalPKI(directory: directory, ca: ca)
    }

    /// The CA certificate file.
    public var caFile: URL { directory.appendingPathComponent(DeploymentCA.FileName.certificate) }

    /// The TLS files of instance `name` of `role`: issued now when `name` has no certificate yet (or `renew`),
    /// else the existing ones.
    public func files(role: ServiceRole, name: String, days: Int = 365, subjectAlternativeNames: [String] = [],
                      renew: Bool = false) throws -> TLSFiles {
        let files = TLSFiles.issued(name, in: directory)
        if renew || !FileManager.default.fileExists(atPath: files.certificate)
            || !FileManager.default.fileExists(atPath: files.key) {
            _ = try ca.issue(role: role, name: name, days: days, subjectAlternativeNames: subjectAlternativeNames,
                             into: directory)
        }
        return files
    }

    /// Issues a certificate (see ``DeploymentCA/issue(role:name:days:subjectAlternativeNames:into:now:notBefore:)``).
    public func issue(role: ServiceRole, name: String, days: Int = 365, notBefore: Date? = nil) throws -> DeploymentCA.Issued {
        try ca.issue(role: role, name: name, days: days, into: directory, notBefore: notBefore)
    }

    /// The credentials of a client acting as `role` (certificate `client-<role>`, issued on first use).
    public func clientCredentials(_ role: ServiceRole) throws -> TLSCredentials {
        if let existing = clients.withLock({ $0[role] }) { return existing }
        let credentials = try TLSCredentials(files: files(role: role, name: "client-\(role.rawValue)"))
        return clients.withLock { clients in
            if let existing = clients[role] { return existing }
            clients[role] = credentials
            return credentials
        }
    }

    /// The command-line options of a `medsearch` client command acting as `role` (`--ca`, `--cert`, `--key`).
    public func clientArguments(_ role: ServiceRole) throws -> [String] {
        let files = try clientCredentials(role).files
        return ["--ca", files.ca, "--cert", files.certificate, "--key", files.key]
    }

    /// `configuration` with the TLS credentials of a client acting as `role`.
    public func clientConfiguration(_ role: ServiceRole, _ configuration: ClientConfiguration = .standard) throws
        -> ClientConfiguration {
        configuration.tls(try clientCredentials(role))
    }
}

/// How a deployment started on one machine protects its connections.
public enum TransportSecurity: Sendable {
    /// TLS 1.3 everywhere with role certificates from this PKI (mutual TLS between roles).
    case tls(LocalPKI)
    /// Plain HTTP on loopback (`--insecure`): for benchmarks comparing against TLS and for debugging.
    case insecure
    /// TLS 1.3 towards roles started elsewhere, presenting this client certificate for every role it acts as (a
    /// hospital-side certificate such as the web application's: the bearer token says owner or user).
    case client(TLSCredentials)

    /// TLS with a PKI in `directory/pki` (created when missing): the default of every launcher.
    public static func localTLS(in directory: URL) throws -> TransportSecurity {
        .tls(try LocalPKI.open(in: directory.appendingPathComponent("pki")))
    }

    /// The PKI, nil when insecure.
    public var pki: LocalPKI? {
        if case let .tls(pki) = self { return pki }
        return nil
    }

    /// `instance` with TLS files issued for it, or marked insecure.
    public func secure(_ instance: RoleInstance) throws -> RoleInstance {
        var secured = instance
        switch self {
        case let .tls(pki):
            secured.tls = try pki.files(role: instance.role.serviceRole, name: instance.name)
            secured.insecure = false
        case .insecure:
            secured.tls = nil
            secured.insecure = true
        case .client:
            throw ServiceError.configuration("\(instance.name): a client certificate cannot secure a role; give its TLS files")
        }
        return secured
    }

    /// The command-line options of a `medsearch` client command acting as `role` (none when insecure).
    public func clientArguments(_ role: ServiceRole) throws -> [String] {
        if case let .client(credentials) = self {
            return ["--ca", credentials.files.ca, "--cert", credentials.files.certificate, "--key", credentials.files.key]
        }
        return try pki?.clientArguments(role) ?? []
    }

    /// `configuration` for a client acting as `role` (with TLS credentials unless insecure).
    public func clientConfiguration(_ role: ServiceRole, _ configuration: ClientConfiguration = .standard) throws
        -> ClientConfiguration {
        if case let .client(credentials) = self { return configuration.tls(credentials) }
        guard let pki else { return configuration.tls(nil) }
        return try pki.clientConfiguration(role, configuration)
    }
}
