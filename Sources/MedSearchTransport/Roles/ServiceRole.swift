/// Who is calling a MedSearch server: each request carries a bearer token that maps to one role.
public enum ServiceRole: String, Sendable, Codable, CaseIterable, Equatable {
    /// The data owner (hospital side): uploads, keys, deletes.
    case owner
    /// An authorised user / clinician: queries.
    case user
    /// FNN cloud C1 (holds the encrypted database).
    case fnnC1 = "fnn-c1"
    /// FNN cloud C2 (holds the Paillier secret key).
    case fnnC2 = "fnn-c2"
    /// The SEI cloud server.
    case seiCloud = "sei"
    /// The TrustMedSearch master edge server.
    case edgeMaster = "edge-master"
    /// A TrustMedSearch storage node.
    case storageNode = "storage-node"
    /// A TrustMedSearch search worker.
    case searchWorker = "search-worker"
    /// The clinicians' web application acting as a trusted client.
    case web
    /// An administrator (operations: re-sharing, health).
    case admin
}
