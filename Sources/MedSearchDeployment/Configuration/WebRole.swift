import Foundation
import MedSearchServer
import MedSearchTransport

/// The web application of a deployment file, checked and with its paths resolved: what
/// `medsearch serve --config deploy.yaml --name web` starts and `cluster up` runs beside the other roles.
public struct WebRole: Sendable, Equatable {
    /// The engines the web application knows, with the roles each needs in the deployment.
    public static let engineRoles: [(engine: String, roles: [ServerRole])] = [
        ("fnn", [.fnnC1, .fnnC2]), ("sei", [.sei]), ("trustmed", [.edgeMaster]),
    ]

    /// Its name.
    public let name: String
    /// The address it binds.
    public let host: String
    /// Its port.
    public let port: Int
    /// The URL browsers (and `cluster status`) reach it at.
    public let url: String
    /// Its data directory.
    public let dataDirectory: URL
    /// Its store (nil: its SQLite file).
    public let database: String?
    /// The engines it offers, in ``engineRoles`` order.
    public let engines: [String]
    /// Largest file in MiB.
    public let maxFileMib: Int
    /// Its DICOMweb token file.
    public let dicomwebTokens: URL?
    /// Its certificate (browsers and engines' roles); nil when the deployment is insecure.
    public let tls: TLSFiles?
    /// The address names its certificate is issued for (besides loopback).
    public let subjectAlternativeNames: [String]

    init(file: DeploymentFile, entry: DeploymentFile.Web, base: URL) throws {
        func refuse(_ field: String, _ problem: String) -> ServiceError {
            .configuration("deployment \(file.name): web entry \(entry.name): \(field): \(problem)")
        }
        let resolve = { (path: String) in LoadedDeployment.resolve(path, base: base) }
        guard !entry.name.isEmpty, entry.name.utf8.count <= 64,
              entry.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw refuse("name", "must be 1 to 64 letters, digits, - or _")
        }
        guard !file.roles.contains(where: { $0.name == entry.name }) else { throw refuse("name", "is also a role's name") }
        guard (1...65535).contains(entry.port) else { throw refuse("port", "needs a fixed port 1...65535") }
        guard !entry.dataDirectory.isEmpty else { throw refuse("dataDirectory", "is empty") }
        let present = Set(file.roles.map(\.role))
        let known = Self.engineRoles.map(\.engine)
        let wanted = entry.engines ?? Self.engineRoles.filter { $0.roles.allSatisfy(present.contains) }.map(\.engine)
        guard !wanted.isEmpty else { throw refuse("engines", "none given and the file has no engine's roles") }
        guard Set(wanted).count == wanted.count else { throw refuse("engines", "an engine is named twice") }
        for engine in wanted {
            guard let needed = Self.engineRoles.first(where: { $0.engine == engine })?.roles else {
                throw refuse("engines", "unknown engine \(engine) (known: \(known.joined(separator: ", ")))")
            }
            if let missing = needed.first(where: { !present.contains($0) }) {
                throw refuse("engines", "\(engine) needs a \(missing.rawValue) role in the file")
            }
        }
        let maxFileMib = entry.maxFileMib ?? 32
        guard (1...1024).contains(maxFileMib) else { throw refuse("maxFileMib", "must be 1...1024") }
        let host = entry.host ?? "127.0.0.1"
        let insecure = file.insecure ?? false
        if insecure, !RoleInstance.isLoopback(host) {
            throw refuse("host", "plain HTTP (insecure: true) is refused on the non-loopback address \(host)")
        }
        var tls: TLSFiles?
        if !insecure, let pki = file.pki.map({ URL(fileURLWithPath: resolve($0)) }) {
            var files = entry.tls ?? TLSFiles.issued(entry.name, in: pki)
            if entry.tls != nil {
                files = TLSFiles(ca: resolve(files.ca), certificate: resolve(files.certificate), key: resolve(files.key),
                                 revoked: files.revoked.map(resolve))
            }
            tls = files
        }
        name = entry.name
        self.host = host
        port = entry.port
        let address = entry.address ?? host
        url = "\(insecure ? "http" : "https")://\(address.contains(":") ? "[\(address)]" : address):\(entry.port)"
        dataDirectory = URL(fileURLWithPath: resolve(entry.dataDirectory))
        database = entry.database
        engines = known.filter(wanted.contains)
        self.maxFileMib = maxFileMib
        dicomwebTokens = entry.dicomwebTokens.map { URL(fileURLWithPath: resolve($0)) }
        self.tls = tls
        subjectAlternativeNames = Array(Set([entry.address, entry.host].compactMap { $0 })
            .subtracting(["0.0.0.0", "::", "[::]"])).sorted()
    }

    /// The arguments of `medsearch` that run it from the deployment file `config`.
    public func commandLine(config: URL) -> [String] { ["serve", "--config", config.path, "--name", name] }
}

extension LoadedDeployment {
    /// How a hospital-side client of this deployment (the web application, the demo) reaches the engines' roles:
    /// its client certificate (`credentials`; nil when the deployment is insecure) and each engine role's token
    /// table.
    /// (`running`: roles started by this process, used instead of reaching them as roles started elsewhere.)
    func attached(_ role: ServerRole, security: TransportSecurity,
                  running: [String: RunningRole] = [:]) throws -> (RunningRole, IssuedTokens) {
        guard let instance = instances.first(where: { $0.role == role }), let url = urls[instance.name] else {
            throw ServiceError.configuration("deployment \(file.name) has no \(role.rawValue) role")
        }
        return (running[instance.name] ?? RunningRole(attachedTo: url, instance: instance, security: security),
                try IssuedTokens.load(URL(fileURLWithPath: instance.tokenFile)))
    }

    /// The security of a client presenting `credentials` (nil: plain HTTP in an insecure deployment).
    public func clientSecurity(_ credentials: TLSCredentials?) throws -> TransportSecurity {
        if let credentials { return .client(credentials) }
        guard file.insecure == true else {
            throw ServiceError.configuration("deployment \(file.name) serves TLS: a client needs its certificate")
        }
        return .insecure
    }

    /// FNN's two clouds of this deployment, for a client presenting `credentials`.
    public func fnnClouds(credentials: TLSCredentials?, running: [String: RunningRole] = [:]) throws -> FNNClouds {
        let security = try clientSecurity(credentials)
        let (c1, tokens) = try attached(.fnnC1, security: security, running: running)
        return FNNClouds(c1: c1, c2: try attached(.fnnC2, security: security, running: running).0, tokens: tokens,
                         security: security)
    }

    /// The SEI cloud of this deployment, for a client presenting `credentials`.
    public func seiCloud(credentials: TLSCredentials?, running: [String: RunningRole] = [:]) throws -> SEICloud {
        let security = try clientSecurity(credentials)
        let (server, tokens) = try attached(.sei, security: security, running: running)
        return SEICloud(server: server, tokens: tokens, security: security)
    }

    /// TrustMedSearch's edge master, storage nodes and search workers of this deployment, for a client presenting
    /// `credentials` (`directory`: the client's working directory).
    public func trustMedCluster(credentials: TLSCredentials?, directory: URL,
                                running: [String: RunningRole] = [:]) throws -> TrustMedCluster {
        let security = try clientSecurity(credentials)
        let (master, tokens) = try attached(.edgeMaster, security: security, running: running)
        let others = { (role: ServerRole) in
            self.instances.filter { $0.role == role }.map {
                running[$0.name] ?? RunningRole(attachedTo: self.urls[$0.name] ?? "", instance: $0, security: security)
            }
        }
        return TrustMedCluster(directory: directory, master: master, nodes: others(.storageNode),
                               workers: others(.searchWorker), tokens: tokens, security: security)
    }
}
