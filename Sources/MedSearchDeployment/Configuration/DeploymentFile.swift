import Foundation
import MedSearchCore
import MedSearchServer
import MedSearchTransport
import Yams

/// One description of a whole deployment: every role, its name, address, certificate, data directory and
/// database, the engines' parameters, the storage-node list and m (n is the number of storage nodes).
///
/// `medsearch serve --config deploy.yaml --name node3` starts one role from it on its machine;
/// `medsearch cluster up --config deploy.yaml` starts every role on one machine. YAML (or JSON, which is YAML):
///
/// ```yaml
/// name: hospital-a
/// pki: pki                 # ca.pem, revoked.txt and <name>.pem / <name>.key of every role
/// tokens: tokens.json      # the bearer-token table every role accepts (mode 0600)
/// trustmed: {threshold: 3, nodeTimeoutMilliseconds: 2000}
/// fnn: {batchSize: 1}
/// roles:
///   - {role: storage-node, name: node0, host: 0.0.0.0, address: edge0.example.org, port: 9100, dataDirectory: /srv/node0}
///   - {role: edge-master, name: master, port: 9000, dataDirectory: /srv/master, database: "postgres://ms@db/medsearch"}
///   - {role: fnn-c2, name: c2, port: 9002, dataDirectory: /srv/c2}
///   - {role: fnn-c1, name: c1, port: 9001, dataDirectory: /srv/c1}
///   - {role: sei, name: sei, port: 9003, dataDirectory: /srv/sei}
/// web: {name: web, host: 0.0.0.0, address: medsearch.example.org, port: 8443, dataDirectory: /srv/web,
///       engines: [fnn, sei, trustmed], maxFileMib: 32}
/// ```
///
/// Relative paths are relative to the file's directory. Each role's TLS files default to `<pki>/<name>.pem`,
/// `<pki>/<name>.key`, `<pki>/ca.pem` and `<pki>/revoked.txt`; `insecure: true` instead serves plain HTTP
/// (loopback addresses only). The edge master's node list is every storage node in file order, with
/// threshold m = `trustmed.threshold`; C1's C2 is the file's `fnn-c2` role.
@MemberwiseInit(.public)
public struct DeploymentFile: Codable, Sendable, Equatable {
    /// One role of the deployment.
    @MemberwiseInit(.public)
    public struct Role: Codable, Sendable, Equatable {
        /// The role.
        public var role: ServerRole
        /// Its unique name (certificate common name, log file name).
        public var name: String
        /// The address it binds (default 127.0.0.1).
        public var host: String? = nil
        /// The address the other roles and clients reach it at (default: ``host``).
        public var address: String? = nil
        /// Its port (fixed: the other roles need it).
        public var port: Int
        /// Its data directory.
        public var dataDirectory: String
        /// Its store (`postgres://...`); default its SQLite file. A password here is never logged; prefer
        /// `MEDSEARCH_DATABASE_URL` in the role's environment.
        public var database: String? = nil
        /// Its log level (default notice).
        public var logLevel: String? = nil
        /// Its token table (default: the file's ``DeploymentFile/tokens``).
        public var tokens: String? = nil
        /// Its TLS files (default: from the file's ``DeploymentFile/pki`` by name).
        public var tls: TLSFiles? = nil
    }

    /// The clinicians' web application: serves browsers over HTTPS with its certificate (role `web`) and calls
    /// the engines' roles of this deployment with the same certificate as its client certificate.
    @MemberwiseInit(.public)
    public struct Web: Codable, Sendable, Equatable {
        /// Its unique name (certificate common name, log file name).
        public var name: String
        /// The address it binds (default 127.0.0.1).
        public var host: String? = nil
        /// The address browsers reach it at (default: ``host``).
        public var address: String? = nil
        /// Its port.
        public var port: Int
        /// Accounts, audit log, sealed images and engine keys.
        public var dataDirectory: String
        /// Its store (`postgres://...`); default its SQLite file.
        public var database: String? = nil
        /// The engines it offers (fnn, sei, trustmed); default every engine whose roles the file has.
        public var engines: [String]? = nil
        /// Largest file in MiB (1-1024): an upload, or a DICOMweb part.
        public var maxFileMib: Int? = nil
        /// JSON file of DICOMweb bearer tokens (`{"tokens": {"<token>": "<account>"}}`, mode 0600).
        public var dicomwebTokens: String? = nil
        /// Its certificate for browsers and towards the engines' roles (default: from the file's
        /// ``DeploymentFile/pki`` by name).
        public var tls: TLSFiles? = nil
    }

    /// TrustMedSearch's parameters.
    @MemberwiseInit(.public)
    public struct TrustMed: Codable, Sendable, Equatable {
        /// m: shares needed to rebuild an image (1...n).
        public var threshold: Int
        /// How long the master waits for a storage node (ms).
        public var nodeTimeoutMilliseconds: Int? = nil
    }

    /// FNN's parameters (C1).
    @MemberwiseInit(.public)
    public struct FNN: Codable, Sendable, Equatable {
        /// Candidates per C1-C2 round.
        public var batchSize: Int? = nil
        /// `lowerBound` or `sequential`.
        public var scanOrder: String? = nil
    }

    /// The deployment's name.
    public var name: String
    /// The PKI directory (``DeploymentCA`` layout); required unless ``insecure``.
    public var pki: String? = nil
    /// Plain HTTP on loopback instead of TLS.
    public var insecure: Bool? = nil
    /// The token table every role accepts.
    public var tokens: String
    /// TrustMedSearch's parameters (required with an edge master).
    public var trustmed: TrustMed? = nil
    /// FNN's parameters.
    public var fnn: FNN? = nil
    /// Every role.
    public var roles: [Role]
    /// The web application (optional).
    public var web: Web? = nil

    // MARK: Reading and writing

    /// Reads a deployment file (YAML or JSON), resolving relative paths against its directory.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` naming the file and what is wrong.
    public static func load(_ url: URL) throws -> LoadedDeployment {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ServiceError.configuration("cannot read deployment file \(url.path)")
        }
        guard data.count <= 4 << 20 else { throw ServiceError.configuration("\(url.path) is larger than 4 MiB") }
        let file: DeploymentFile
        do { file = try YAMLDecoder().decode(DeploymentFile.self, from: String(decoding: data, as: UTF8.self)) } catch {
            throw ServiceError.configuration("\(url.path) is not a valid deployment file: \(Self.describe(error))")
        }
        return try LoadedDeployment(file: file, base: url.deletingLastPathComponent(), source: url)
    }

    /// The file as YAML.
    public func yaml() throws -> String { try YAMLEncoder().encode(self) }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, context):
            "missing \(Self.path(context.codingPath + [key]))"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            "wrong type at \(Self.path(context.codingPath))"
        case let DecodingError.dataCorrupted(context):
            "bad value at \(Self.path(context.codingPath)): \(context.debugDescription)"
        default:
            String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// A deployment file read and checked: every role as a complete ``RoleInstance``.
public struct LoadedDeployment: Sendable {
    /// The file as written.
    public let file: DeploymentFile
    /// The directory relative paths start from.
    public let base: URL
    /// The file it was read from (nil when built in memory).
    public let source: URL?
    /// The web application, resolved (nil when the file has none).
    public let web: WebRole?
    /// Every role, fully described (peers, TLS files, engine parameters), in file order.
    public let instances: [RoleInstance]

    /// Checks `file` (relative paths against `base`, the directory of `source`).
    public init(file: DeploymentFile, base: URL, source: URL? = nil) throws {
        self.file = file
        self.base = base
        self.source = source
        let insecure = file.insecure ?? false
        guard insecure || file.pki != nil else {
            throw ServiceError.configuration("deployment \(file.name): give pki (the CA directory) or insecure: true")
        }
        var seen = Set<String>()
        for role in file.roles where !seen.insert(role.name).inserted {
            throw ServiceError.configuration("deployment \(file.name): the name \(role.name) is used twice")
        }
        guard !file.roles.isEmpty else { throw ServiceError.configuration("deployment \(file.name) has no roles") }
        let resolve = { (path: String) in LoadedDeployment.resolve(path, base: base) }
        let pki = file.pki.map { URL(fileURLWithPath: resolve($0)) }
        let scheme = insecure ? "http" : "https"
        func url(_ role: DeploymentFile.Role) -> String {
            let address = role.address ?? role.host ?? "127.0.0.1"
            return "\(scheme)://\(address.contains(":") ? "[\(address)]" : address):\(role.port)"
        }
        let storageNodes = file.roles.filter { $0.role == .storageNode }
        let workers = file.roles.filter { $0.role == .searchWorker }
        let c2s = file.roles.filter { $0.role == .fnnC2 }
        if file.roles.contains(where: { $0.role == .fnnC1 }), c2s.count != 1 {
            throw ServiceError.configuration("deployment \(file.name): fnn-c1 needs exactly one fnn-c2 role")
        }
        if file.roles.contains(where: { $0.role == .edgeMaster }) {
            guard let trustmed = file.trustmed else {
                throw ServiceError.configuration("deployment \(file.name): an edge master needs trustmed.threshold (m)")
            }
            guard (1...max(storageNodes.count, 1)).contains(trustmed.threshold), !storageNodes.isEmpty else {
                throw ServiceError.configuration("deployment \(file.name): trustmed.threshold must be 1...\(storageNodes.count) "
                                                 + "(the number of storage nodes)")
            }
        }
        var instances: [RoleInstance] = []
        for entry in file.roles {
            guard (1...65535).contains(entry.port) else {
                throw ServiceError.configuration("deployment \(file.name): \(entry.name) needs a fixed port 1...65535")
            }
            let dataDirectory = resolve(entry.dataDirectory)
            var instance = RoleInstance(
                role: entry.role, name: entry.name, host: entry.host ?? "127.0.0.1", port: entry.port,
                dataDirectory: dataDirectory, tokenFile: resolve(entry.tokens ?? file.tokens), database: entry.database,
                logLevel: entry.logLevel ?? "notice", insecure: insecure)
            if !insecure, let pki {
                var files = entry.tls ?? TLSFiles.issued(entry.name, in: pki)
                if entry.tls != nil {
                    files.ca = resolve(files.ca)
                    files.certificate = resolve(files.certificate)
                    files.key = resolve(files.key)
                    files.revoked = files.revoked.map(resolve)
                }
                instance.tls = files
            }
            switch entry.role {
            case .fnnC1:
                instance.peers.c2 = c2s.first.map(url)
                instance.engine.batchSize = file.fnn?.batchSize
                instance.engine.scanOrder = file.fnn?.scanOrder
            case .edgeMaster:
                instance.engine.nodeTimeoutMilliseconds = file.trustmed?.nodeTimeoutMilliseconds
                instance.peers.nodeList = URL(fileURLWithPath: dataDirectory)
                    .appendingPathComponent("deployment-nodes.json").path
                if !workers.isEmpty {
                    instance.peers.searchWorkers = URL(fileURLWithPath: dataDirectory)
                        .appendingPathComponent("deployment-workers.json").path
                }
            default: break
            }
            do { try instance.validate() } catch {
                throw ServiceError.configuration("deployment \(file.name): \(error)")
            }
            instances.append(instance)
        }
        self.instances = instances
        web = try file.web.map { try WebRole(file: file, entry: $0, base: base) }
        storageNodeURLs = storageNodes.map(url)
        searchWorkerURLs = workers.map(url)
        urls = Dictionary(uniqueKeysWithValues: file.roles.map { ($0.name, url($0)) })
    }

    /// The storage nodes' URLs in file order (the master's node list).
    public let storageNodeURLs: [String]
    /// The search workers' URLs in file order (the master's worker list: worker `i` searches shard `i`).
    public let searchWorkerURLs: [String]
    /// Each role's URL by name.
    public let urls: [String: String]

    /// The role named `name`.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` listing the names when there is none.
    public func instance(named name: String) throws -> RoleInstance {
        guard let instance = instances.first(where: { $0.name == name }) else {
            throw ServiceError.configuration("deployment \(file.name) has no role named \(name) "
                                             + "(it has \((instances.map(\.name) + [web?.name].compactMap { $0 }).joined(separator: ", ")))")
        }
        return instance
    }

    /// Writes what a role needs besides its description before it starts: the edge master's node list (every
    /// storage node, threshold m, the master's token for the nodes; mode 0600) and, when the file has search
    /// workers, its worker list (every worker in file order, the same token).
    public func prepare(_ instance: RoleInstance) throws {
        guard instance.role == .edgeMaster, let listPath = instance.peers.nodeList, let trustmed = file.trustmed else { return }
        let tokens = try AccessTokens.load(from: URL(fileURLWithPath: instance.tokenFile))
        let list = TrustMedNodeList(threshold: trustmed.threshold, token: try tokens.token(for: .edgeMaster),
                                    nodes: storageNodeURLs)
        try list.write(to: URL(fileURLWithPath: listPath))
        if let workersPath = instance.peers.searchWorkers {
            try TrustMedWorkerList(token: try tokens.token(for: .edgeMaster), workers: searchWorkerURLs)
                .write(to: URL(fileURLWithPath: workersPath))
        }
    }

    /// The PKI directory (nil when insecure).
    public var pkiDirectory: URL? { file.insecure == true ? nil : file.pki.map { URL(fileURLWithPath: Self.resolve($0, base: base)) } }

    static func resolve(_ path: String, base: URL) -> String {
        path.hasPrefix("/") ? path : base.appendingPathComponent(path).standardizedFileURL.path
    }
}
