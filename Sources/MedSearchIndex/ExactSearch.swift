import MedSearchFeatures

/// One search result: a record id and its score (a distance, or an inner product for ``ExactSearch/Metric/innerProduct``).
public struct SearchHit<ID: Comparable & Sendable, Score: Comparable & Sendable>: Sendable {
    /// The record id.
    public var id: ID
    /// The distance (smaller is better) or inner product (larger is better).
    public var score: Score
}

extension SearchHit: Equatable where ID: Equatable, Score: Equatable {}

/// Why an exact search could not be set up.
public enum ExactSearchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A vector's length differs from the database dimension.
    case dimensionMismatch(expected: Int, actual: Int, index: Int)
    /// The number of ids differs from the number of vectors or codes.
    case countMismatch(ids: Int, vectors: Int)
    /// Integer vectors too large for exact 64-bit distances.
    case valueOutOfRange(limit: Int64)

    public var description: String {
        switch self {
        case let .dimensionMismatch(expected, actual, index):
            "vector \(index) has \(actual) values, expected \(expected)"
        case let .countMismatch(ids, vectors):
            "\(ids) ids for \(vectors) vectors"
        case let .valueOutOfRange(limit):
            "integer vector values must lie within +/-\(limit) for exact 64-bit distances"
        }
    }
}

/// Exact plaintext top-k search: the reference every encrypted engine must reproduce.
///
/// Results are sorted best first (smallest distance, or largest inner product); equal scores are ordered by
/// increasing id, so the order is fully determined. Scans are linear over contiguous storage with a bounded
/// heap of k candidates (O(n d + n log k)).
///
/// ```swift
/// let database = try ExactSearch.FloatDatabase(ids: ids, vectors: vectors)
/// let top10 = database.search(query, k: 10, metric: .squaredEuclidean)
/// ```
public enum ExactSearch {
    /// How vectors are compared.
    public enum Metric: Sendable, Equatable {
        /// Squared Euclidean distance, ascending.
        case squaredEuclidean
        /// Inner product, descending.
        case innerProduct
    }

    /// Whether hit `a` ranks before hit `b` when smaller scores are better.
    @inlinable
    static func ascendingBefore<ID: Comparable, S: Comparable>(_ a: (S, ID), _ b: (S, ID)) -> Bool {
        a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
    }
}
