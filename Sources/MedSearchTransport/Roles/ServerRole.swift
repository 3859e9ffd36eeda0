/// A server role of MedSearch: each runs as its own `medsearch serve <role>` process.
///
/// A server role is also a caller when it talks to another role (C1 calls C2, the edge master calls the storage
/// nodes): ``serviceRole`` is the role its token (later: its certificate) names.
public enum ServerRole: String, Sendable, Codable, CaseIterable, Hashable {
    /// FNN cloud C1 (holds the encrypted database, drives each search).
    case fnnC1 = "fnn-c1"
    /// FNN cloud C2 (holds the decryption capability).
    case fnnC2 = "fnn-c2"
    /// The SEI cloud server.
    case sei
    /// The TrustMedSearch master edge server (trusted).
    case edgeMaster = "edge-master"
    /// A TrustMedSearch storage node (untrusted; stores opaque shares).
    case storageNode = "storage-node"
    /// A TrustMedSearch search worker (evaluates one shard of the encrypted hashcode database for the master).
    case searchWorker = "search-worker"

    /// The role this server presents when it calls another role.
    public var serviceRole: ServiceRole {
        switch self {
        case .fnnC1: .fnnC1
        case .fnnC2: .fnnC2
        case .sei: .seiCloud
        case .edgeMaster: .edgeMaster
        case .storageNode: .storageNode
        case .searchWorker: .searchWorker
        }
    }

    /// Every route this role serves, ``Routes/health`` included.
    public var routes: [Route] { Routes.served(by: self) }
}
