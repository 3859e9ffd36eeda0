import MedSearchFeatures
import MedSearchIndex
import MedSearchTrustMed

/// Plaintext Hamming search, the reference encrypted results are checked against.
public enum TrustMedPlaintext {
    /// The plaintext reference: MedSearchIndex's exact Hamming top-k (ties by increasing id).
    public static func topK(query: [UInt8], ids: [String], codes: [String: [UInt8]], k: Int) throws -> [TrustMedClient.Ranked] {
        let database = try ExactSearch.HammingDatabase(ids: ids, codes: ids.map { Hashcode(bits: codes[$0]!.map { $0 == 1 }) })
        return topK(query: query, database: database, k: k)
    }

    /// The plaintext reference over a prepared database.
    public static func topK(query: [UInt8], database: ExactSearch.HammingDatabase<String>, k: Int) -> [TrustMedClient.Ranked] {
        database.search(Hashcode(bits: query.map { $0 == 1 }), k: k).map { .init(recordID: $0.id, distance: $0.score) }
    }
}
