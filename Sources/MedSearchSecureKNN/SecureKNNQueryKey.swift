import MedSearchCore

/// A registered user's trapdoor key: `Abar`, `U` from the owner and the user's own `W`.
///
/// It turns query features into trapdoors `f'_q = gamma * (f_q W^T Abar^T + U)` (equation 4) with a fresh
/// random `gamma > 0` per query, so two trapdoors of the same query differ by a secret scale.
public struct SecureKNNQueryKey: Sendable, Equatable {
    /// The owner's grant (`Abar`, `U`).
    public let grant: SecureKNNUserGrant
    /// The user's secret.
    public let secret: SecureKNNUserSecret

    /// Combines a grant with the secret it was issued for.
    /// - Throws: ``SecureKNNError/dimensionMismatch(what:expected:actual:)`` when they do not fit.
    public init(grant: SecureKNNUserGrant, secret: SecureKNNUserSecret) throws(SecureKNNError) {
        guard grant.abar.columns == secret.dimension else {
            throw .dimensionMismatch(what: "grant dimension", expected: secret.dimension, actual: grant.abar.columns)
        }
        self.grant = grant
        self.secret = secret
    }

    /// The feature dimension `d`.
    public var dimension: Int { secret.dimension }

    /// The trapdoor for `query` with an explicit `gamma` (tests and the toy example).
    /// - Throws: ``SecureKNNError`` for a wrong length, a non-finite value or `gamma <= 0`.
    public func trapdoor(for query: [Double], gamma: Double) throws(SecureKNNError) -> [Double] {
        guard query.count == dimension else {
            throw .dimensionMismatch(what: "query vector", expected: dimension, actual: query.count)
        }
        guard query.allSatisfy(\.isFinite) else { throw .nonFiniteValue(what: "query vector") }
        guard gamma > 0, gamma.isFinite else { throw .invalidParameter("gamma must be positive and finite") }
        // f_q W^T Abar^T = (Abar (W f_q^T))^T
        let wq = secret.w.multiply(columnVector: query)
        var result = grant.abar.multiply(columnVector: wq)
        for i in 0..<result.count { result[i] = gamma * (result[i] + grant.u[i]) }
        return result
    }

    /// The trapdoor for `query` with a fresh `gamma` uniform in `[0.5, 2)` drawn from `generator`.
    public func trapdoor(for query: [Double], using generator: inout some RandomNumberGenerator) throws(SecureKNNError) -> [Double] {
        try trapdoor(for: query, gamma: Double.random(in: 0.5..<2, using: &generator))
    }

    /// The trapdoor for `query` with a fresh `gamma` from the system CSPRNG.
    public func trapdoor(for query: [Double]) throws(SecureKNNError) -> [Double] {
        var generator = SecureRandomGenerator()
        return try trapdoor(for: query, using: &generator)
    }
}

/// Scoring of encrypted vectors.
public enum SecureKNN {
    /// The score `f'_i . f'_q` (equation 5) = `gamma*theta*(|f_i - q|^2 - |q|^2)` + terms depending on the
    /// query only, so within one trapdoor a smaller score means a closer vector.
    public static func score(_ index: [Double], _ trapdoor: [Double]) -> Double {
        precondition(index.count == trapdoor.count, "encrypted vectors must have equal lengths")
        var sum = 0.0
        for i in 0..<index.count { sum += index[i] * trapdoor[i] }
        return sum
    }
}
