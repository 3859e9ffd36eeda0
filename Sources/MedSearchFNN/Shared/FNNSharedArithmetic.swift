import Dispatch

/// The arithmetic of the shared back end: additive shares over Z/2^128 (wrapping `UInt128`), owner-derived
/// row masks and correlations, and the shared matrix-vector product of FNN's distance and bound terms.
///
/// Streams (``FNNKeystream`` domains) are fixed here so the owner, C1 and C2 derive the same values:
/// row masks `A_id` (1), norm masks `alpha_id` (2), C1's correlation vector `b'` (10), scale (11) and
/// per-record values (12); C2's vector `b` (20) and per-record values (21); the user's share seed (30, 31).
public enum FNNSharedArithmetic {
    static let domainRowMask: UInt32 = 1
    static let domainNormMask: UInt32 = 2
    static let domainC1Vector: UInt32 = 10
    static let domainC1Scale: UInt32 = 11
    static let domainC1Record: UInt32 = 12
    static let domainC2Vector: UInt32 = 20
    static let domainC2Record: UInt32 = 21
    static let domainUserVector: UInt32 = 30
    static let domainUserNorms: UInt32 = 31

    /// An integer as an element of Z/2^128 (two's complement).
    @inlinable
    public static func word(_ value: Int64) -> UInt128 { UInt128(truncatingIfNeeded: value) }

    /// The augmented vector `(x_1, ..., x_d, S, f)` of a record or query.
    public static func augmented(_ vector: [Int64], statistics: FNNVectorStatistics) -> [UInt128] {
        var out = [UInt128]()
        out.reserveCapacity(vector.count + 2)
        for value in vector { out.append(word(value)) }
        out.append(word(statistics.sum))
        out.append(word(statistics.deviationRoot))
        return out
    }

    /// The row mask `A_id` (length `d + 2`) that C2 derives from the row-mask key.
    public static func rowMask(key: [UInt8], id: UInt64, dimension: Int) -> [UInt128] {
        FNNKeystream.words(seed: key, domain: domainRowMask, index: id, count: dimension + 2)
    }

    /// The norm masks `(alpha_Q, alpha_P)` of a record.
    public static func normMask(key: [UInt8], id: UInt64) -> [UInt128] {
        FNNKeystream.words(seed: key, domain: domainNormMask, index: id, count: 2)
    }

    /// `sum lhs[i] * rhs[i]` over `range`, wrapping.
    @inlinable
    public static func dot(_ lhs: [UInt128], _ rhs: [UInt128], range: Range<Int>) -> UInt128 {
        precondition(range.upperBound <= lhs.count && range.upperBound <= rhs.count, "range out of bounds")
        return lhs.withUnsafeBufferPointer { l in
            rhs.withUnsafeBufferPointer { r in
                var acc0: UInt128 = 0, acc1: UInt128 = 0
                var index = range.lowerBound
                let end = range.upperBound
                while index + 1 < end {
                    acc0 &+= l[index] &* r[index]
                    acc1 &+= l[index + 1] &* r[index + 1]
                    index += 2
                }
                if index < end { acc0 &+= l[index] &* r[index] }
                return acc0 &+ acc1
            }
        }
    }

    /// Elementwise `lhs + rhs`, wrapping.
    public static func add(_ lhs: [UInt128], _ rhs: [UInt128]) -> [UInt128] {
        precondition(lhs.count == rhs.count, "length mismatch")
        return zip(lhs, rhs).map { $0 &+ $1 }
    }

    /// Elementwise `lhs - rhs`, wrapping.
    public static func subtract(_ lhs: [UInt128], _ rhs: [UInt128]) -> [UInt128] {
        precondition(lhs.count == rhs.count, "length mismatch")
        return zip(lhs, rhs).map { $0 &- $1 }
    }
}

/// The owner-made correlation of one pool entry as C1 derives it from its entry seed.
public struct FNNSharedC1Correlation: Sendable {
    /// `b'` (length `d + 2`), known to C1 only.
    public let vector: [UInt128]
    /// The blinding scale `a` of this query.
    public let scale: UInt128
    let seed: [UInt8]

    /// Derives the correlation from C1's entry seed.
    public init(seed: [UInt8], dimension: Int) {
        self.seed = seed
        vector = FNNKeystream.words(seed: seed, domain: FNNSharedArithmetic.domainC1Vector, index: 0,
                                    count: dimension + 2)
        scale = FNNBlinding.scale(fromWord: FNNKeystream.words(seed: seed, domain: FNNSharedArithmetic.domainC1Scale,
                                                               index: 0, count: 1)[0])
    }

    /// C1's per-record values `(s1_stats, s1_vector, w1_bound, w1_distance)`.
    public func recordValues(id: UInt64) -> [UInt128] {
        FNNKeystream.words(seed: seed, domain: FNNSharedArithmetic.domainC1Record, index: id, count: 4)
    }
}

/// The owner-made correlation of one pool entry as C2 derives it from its entry seed.
public struct FNNSharedC2Correlation: Sendable {
    /// `b` (length `d + 2`), known to C2 only.
    public let vector: [UInt128]
    let seed: [UInt8]

    /// Derives the correlation from C2's entry seed.
    public init(seed: [UInt8], dimension: Int) {
        self.seed = seed
        vector = FNNKeystream.words(seed: seed, domain: FNNSharedArithmetic.domainC2Vector, index: 0,
                                    count: dimension + 2)
    }

    /// C2's per-record VOLE inputs `(v_bound, v_distance)`.
    public func recordValues(id: UInt64) -> [UInt128] {
        FNNKeystream.words(seed: seed, domain: FNNSharedArithmetic.domainC2Record, index: id, count: 2)
    }
}
