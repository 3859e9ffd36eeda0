import Foundation
import MedSearchCore
import MedSearchStore
import MedSearchTransport

/// One server role instance, fully described: what `medsearch serve <role> ...` takes on its command line, as a
/// value. The deployment library starts it as a child process or in process; `serve` runs it; a deployment file
/// (issue 15) is a list of these.
///
/// Codable with defaults for every optional key, so a description reads naturally as JSON or YAML:
/// ```json
/// {"role": "fnn-c1", "name": "c1", "port": 9001, "dataDirectory": "c1", "tokenFile": "tokens.json",
///  "engine": {"batchSize": 4}, "peers": {"c2": "http://127.0.0.1:9002"}}
/// ```
@MemberwiseInit(.public)
public struct RoleInstance: Codable, Sendable, Equatable {
    /// Knobs of the role's engine (each applies to one role; nil keeps the default).
    @MemberwiseInit(.public)
    public struct EngineParameters: Codable, Sendable, Equatable {
        /// FNN C1: candidates per C1-C2 round, 1...4096 (default 1, which prunes most).
        public var batchSize: Int? = nil
        /// FNN C1: `lowerBound` (default) or `sequential`.
        public var scanOrder: String? = nil
        /// Edge master: skip a storage node that does not answer within this many milliseconds (10...600000,
        /// default 2000).
        public var nodeTimeoutMilliseconds: Int? = nil
        /// Search worker: the most threads one evaluation uses (1...1024; default: one per core).
        public var threads: Int? = nil
    }

    /// The other roles this one calls.
    @MemberwiseInit(.public)
    public struct Peers: Codable, Sendable, Equatable {
        /// FNN C1: C2's base URL.
        public var c2: String? = nil
        /// FNN C1: the token file holding C1's own token (role `fnn-c1`); default ``RoleInstance/tokenFile``.
        public var peerTokenFile: String? = nil
        /// Edge master: the storage-node list file (``TrustMedNodeList``); default: the list saved in the data
        /// directory by an earlier start.
        public var nodeList: String? = nil
        /// Edge master: the search-worker list file (``TrustMedWorkerList``); nil: the master searches itself.
        public var searchWorkers: String? = nil
    }

    /// The role.
    public var role: ServerRole
    /// A name unique in its deployment (`node3`, `c1`): log files and handles are named after it.
    public var name: String
    /// Address to bind (default 127.0.0.1).
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free port (the bound URL is announced).
    public var port: Int = 0
    /// The role's data directory (its SQLite database and files).
    public var dataDirectory: String
    /// The JSON token table of the tokens this role accepts.
    public var tokenFile: String
    /// Where the role keeps its state (a `StoreLocation`: `sqlite:PATH`, `memory` or `postgres://...`); nil: its
    /// SQLite file in ``dataDirectory``. It may hold a password: launchers pass it to a child in the environment
    /// (`MEDSEARCH_DATABASE_URL`), never on the command line.
    public var database: String? = nil
    /// Log level (trace, debug, info, notice, warning, error, critical).
    public var logLevel: String = "notice"
    /// Engine parameters.
    public var engine: EngineParameters = .init()
    /// Peers.
    public var peers: Peers = .init()
    /// The role's TLS files (deployment CA, certificate, key, deny list): it then serves TLS 1.3 only, requires
    /// a client certificate of the deployment, and calls its peers over mutual TLS.
    public var tls: TLSFiles? = nil
    /// Serve plain HTTP (no ``tls``): allowed only on a loopback address.
    public var insecure: Bool = false

    private enum CodingKeys: String, CodingKey {
        case role, name, host, port, dataDirectory, tokenFile, database, logLevel, engine, peers, tls, insecure
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(ServerRole.self, forKey: .role)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? role.rawValue
        host = try container.decodeIfPresent(String.self, forKey: .host) ?? "127.0.0.1"
        port = try container.decodeIfPresent(Int.self, forKey: .port) ?? 0
        dataDirectory = try container.decode(String.self, forKey: .dataDirectory)
        tokenFile = try container.decode(String.self, forKey: .tokenFile)
        database = try container.decodeIfPresent(String.self, forKey: .database)
        logLevel = try container.decodeIfPresent(String.self, forKey: .logLevel) ?? "notice"
        engine = try container.decodeIfPresent(EngineParameters.self, forKey: .engine) ?? .init()
        peers = try container.decodeIfPresent(Peers.self, forKey: .peers) ?? .init()
        tls = try container.decodeIfPresent(TLSFiles.self, forKey: .tls)
        insecure = try container.decodeIfPresent(Bool.self, forKey: .insecure) ?? false
    }

    /// The log levels accepted.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Checks every field for the role.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` naming the first field that is wrong.
    public func validate() throws(ServiceError) {
        guard !name.isEmpty, name.utf8.count <= 64,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw .configuration("role name \"\(name)\" must be 1 to 64 letters, digits, - or _")
        }
        guard (0...65535).contains(port) else { throw .configuration("\(name): port must be 0...65535") }
        guard !host.isEmpty else { throw .configuration("\(name): host is empty") }
        guard !dataDirectory.isEmpty else { throw .configuration("\(name): data directory is empty") }
        guard !tokenFile.isEmpty else { throw .configuration("\(name): token file is empty") }
        switch (tls, insecure) {
        case (nil, false):
            throw .configuration("\(name): give TLS files (CA, certificate, key), or --insecure for plain HTTP on loopback")
        case (.some, true):
            throw .configuration("\(name): TLS files and --insecure exclude each other")
        case (nil, true):
            guard Self.isLoopback(host) else {
                throw .configuration("\(name): --insecure (plain HTTP) is refused on the non-loopback address \(host)")
            }
        case let (files?, false):
            guard !files.ca.isEmpty, !files.certificate.isEmpty, !files.key.isEmpty else {
                throw .configuration("\(name): the TLS CA, certificate and key must all be given")
            }
        }
        if let database {
            do { _ = try StoreLocation(parsing: database) } catch {
                throw .configuration("\(name): database: \(error)")
            }
        }
        guard Self.logLevels.contains(logLevel) else {
            throw .configuration("\(name): log level must be one of \(Self.logLevels.joined(separator: ", "))")
        }
        if let batchSize = engine.batchSize, !(1...4096).contains(batchSize) {
            throw .configuration("\(name): batch size must be 1...4096")
        }
        if let order = engine.scanOrder, !["lowerBound", "sequential"].contains(order) {
            throw .configuration("\(name): scan order must be lowerBound or sequential")
        }
        if let timeout = engine.nodeTimeoutMilliseconds, !(10...600_000).contains(timeout) {
            throw .configuration("\(name): node timeout must be 10...600000 ms")
        }
        if let threads = engine.threads, !(1...1024).contains(threads) {
            throw .configuration("\(name): threads must be 1...1024")
        }
        if role == .searchWorker, database == nil {
            throw .configuration("\(name): a search worker reads the edge master's store: give its --database (sqlite:PATH or postgres://...)")
        }
        if role == .fnnC1 {
            let scheme = tls == nil ? "http://" : "https://"
            guard let c2 = peers.c2, c2.hasPrefix(scheme) else {
                throw .configuration("\(name): fnn-c1 needs C2's base URL (\(scheme)...)")
            }
        }
        let unused: [(Bool, String)] = [
            (role != .fnnC1 && (engine.batchSize != nil || engine.scanOrder != nil), "batch size and scan order"),
            (role != .fnnC1 && (peers.c2 != nil || peers.peerTokenFile != nil), "C2 and the peer token file"),
            (role != .edgeMaster && (engine.nodeTimeoutMilliseconds != nil || peers.nodeList != nil
                || peers.searchWorkers != nil), "the node list, node timeout and search workers"),
            (role != .searchWorker && engine.threads != nil, "threads"),
        ]
        if let (_, what) = unused.first(where: \.0) {
            throw .configuration("\(name): \(what) apply to another role than \(role.rawValue)")
        }
    }

    /// The base URL once the port is known (nil while ``port`` is 0): `https://` with TLS.
    public var url: String? {
        guard port != 0 else { return nil }
        return "\(tls == nil ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Whether `host` is a loopback address or name (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" || bare == "0:0:0:0:0:0:0:1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
