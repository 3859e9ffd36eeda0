import MedSearchCore

/// A user's secret invertible `d x d` matrix `W`, generated on the user's machine (sei.md 5.3.1).
public struct SecureKNNUserSecret: Sendable, Equatable {
    /// The matrix `W`.
    public let w: Matrix

    /// Wraps an explicit `W` (tests, the paper's toy example).
    /// - Throws: ``SecureKNNError`` unless `W` is square, finite and invertible.
    public init(w: Matrix) throws(SecureKNNError) {
        guard w.rows == w.columns, w.rows >= 1 else {
            throw .dimensionMismatch(what: "user matrix W (columns)", expected: w.rows, actual: w.columns)
        }
        _ = try w.inverted()
        self.w = w
    }

    /// The feature dimension `d`.
    public var dimension: Int { w.rows }

    /// Generates a random well-conditioned `W` from `generator`.
    public static func generate(dimension d: Int, using generator: inout some RandomNumberGenerator) throws(SecureKNNError) -> SecureKNNUserSecret {
        guard d >= 1, d <= 8192 else { throw .invalidParameter("dimension must be in 1...8192") }
        return try SecureKNNUserSecret(w: .randomWellConditioned(d, maxCondition: 4, using: &generator))
    }

    /// Generates a random `W` from the system CSPRNG.
    public static func generate(dimension d: Int) throws(SecureKNNError) -> SecureKNNUserSecret {
        var generator = SecureRandomGenerator()
        return try generate(dimension: d, using: &generator)
    }

    /// The message the user sends the owner to register (it carries `W`, as in the paper).
    public var registrationRequest: SecureKNNRegistrationRequest { SecureKNNRegistrationRequest(w: w) }
}

/// A registration request: the user's `W`, sent to the data owner over an authenticated channel.
public struct SecureKNNRegistrationRequest: Sendable, Equatable {
    /// The user's matrix `W`.
    public let w: Matrix
    /// Wraps `W`.
    public init(w: Matrix) { self.w = w }
}

/// What the owner returns to a registered user: `Abar = A W^-1` and `U`.
public struct SecureKNNUserGrant: Sendable, Equatable {
    /// `Abar`, a `(2d+2) x d` matrix.
    public let abar: Matrix
    /// `U`, a vector of length `2d + 2`.
    public let u: [Double]

    /// Wraps explicit parts, checking their shapes.
    public init(abar: Matrix, u: [Double]) throws(SecureKNNError) {
        guard abar.rows == u.count, abar.rows == 2 * abar.columns + 2 else {
            throw .dimensionMismatch(what: "grant Abar rows", expected: 2 * abar.columns + 2, actual: abar.rows)
        }
        guard abar.isFinite, u.allSatisfy(\.isFinite) else { throw .nonFiniteValue(what: "grant") }
        self.abar = abar
        self.u = u
    }
}
