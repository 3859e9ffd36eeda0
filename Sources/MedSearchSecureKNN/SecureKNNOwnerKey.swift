import MedSearchCore

/// The data owner's secret key of SEI's limited key-leakage kNN scheme: `sk = {M, r, S, pi}` plus the
/// user-key parameters `theta` and `X` (schemes.md, "SEI"; sei.md section 5.3.1).
///
/// The owner encrypts index vectors with ``encryptIndexVector(_:)`` and answers user registrations with
/// ``register(_:)``, which hands out `Abar = A W^-1` and `U` and never `M`, `r`, `S` or `pi`.
///
/// ```swift
/// let owner = try SecureKNNOwnerKey.generate(dimension: 128)
/// let secret = SecureKNNUserSecret.generate(dimension: 128)            // on the user's machine
/// let grant = try owner.register(secret.registrationRequest)           // on the owner's machine
/// let queryKey = try SecureKNNQueryKey(grant: grant, secret: secret)   // back on the user's machine
/// let index = try owner.encryptIndexVector(feature)                    // 2d+2 numbers
/// let trapdoor = try queryKey.trapdoor(for: query)                     // fresh gamma > 0 inside
/// let score = SecureKNN.score(index, trapdoor)                         // smaller = closer
/// ```
///
/// - Warning: Matrix encryption of this family (ASPE) falls to known-plaintext attacks: about `d + 1`
///   pairs of known feature vectors and their encryptions reveal `M^-1` by solving a linear system, and a
///   colluding user's `Abar`, `U`, `W` reveal `A`. Treat it as obfuscation against a ciphertext-only
///   adversary, not as encryption with a security proof.
public struct SecureKNNOwnerKey: Sendable, Equatable {
    /// The feature dimension `d` (encrypted vectors have `2d + 2` entries).
    public let dimension: Int
    /// The secret invertible `(2d+2) x (2d+2)` matrix `M`.
    public let m: Matrix
    /// `M^-1`, used to encrypt index vectors.
    public let mInverse: Matrix
    /// The secret vector `r` (length `d + 1`).
    public let r: [Double]
    /// The secret vector `S` (length `d + 1`).
    public let s: [Double]
    /// The secret permutation `pi` of `0..<d+1`: `pi(v)[j] = v[pi[j]]`.
    public let permutation: [Int]
    /// The positive secret `theta` that scales every score.
    public let theta: Double
    /// The secret vector `X` (length `d + 1`).
    public let x: [Double]
    /// The derived `(2d+2) x d` matrix `A = theta * M'[.., 0..<d]`.
    public let a: Matrix
    /// The derived vector `U` (length `2d + 2`), the same for every user.
    public let u: [Double]

    /// The length `2d + 2` of encrypted vectors.
    public var encryptedDimension: Int { 2 * dimension + 2 }

    /// Builds a key from explicit parts (tests and the paper's toy example use this; production keys come
    /// from ``generate(dimension:maxCondition:using:)``).
    /// - Throws: ``SecureKNNError`` when a shape is wrong, `pi` is not a permutation, `theta <= 0`, a value
    ///   is not finite or `M` is singular.
    public init(m: Matrix, r: [Double], s: [Double], permutation: [Int], theta: Double, x: [Double]) throws(SecureKNNError) {
        guard m.rows == m.columns, m.rows >= 4, m.rows % 2 == 0 else {
            throw .invalidParameter("M must be square of even size 2d+2 with d >= 1")
        }
        let d = m.rows / 2 - 1
        for (name, vector) in [("r", r), ("S", s), ("X", x)] where vector.count != d + 1 {
            throw .dimensionMismatch(what: "key vector \(name)", expected: d + 1, actual: vector.count)
        }
        guard permutation.count == d + 1, Set(permutation) == Set(0...d) else {
            throw .invalidParameter("pi must be a permutation of 0..<\(d + 1)")
        }
        guard theta > 0, theta.isFinite else { throw .invalidParameter("theta must be a positive finite number") }
        guard r.allSatisfy(\.isFinite), s.allSatisfy(\.isFinite), x.allSatisfy(\.isFinite) else {
            throw .nonFiniteValue(what: "key vector")
        }
        dimension = d
        self.m = m
        mInverse = try m.inverted()
        self.r = r
        self.s = s
        self.permutation = permutation
        self.theta = theta
        self.x = x
        // M'_i[k] = pairSum_i[piInverse[k]], pairSum_i[j] = M[i, 2j] + M[i, 2j+1] (0-based).
        var inversePermutation = [Int](repeating: 0, count: d + 1)
        for (j, p) in permutation.enumerated() { inversePermutation[p] = j }
        let size = 2 * d + 2
        var a = Matrix(rows: size, columns: d)
        var u = [Double](repeating: 0, count: size)
        for i in 0..<size {
            func mPrime(_ k: Int) -> Double {
                let j = inversePermutation[k]
                return m[i, 2 * j] + m[i, 2 * j + 1]
            }
            for k in 0..<d { a[i, k] = theta * mPrime(k) }
            var ui = theta * mPrime(d)
            for j in 0...d { ui += x[j] * m[i, 2 * j + 1] }
            u[i] = ui
        }
        self.a = a
        self.u = u
    }

    /// Generates a fresh key for dimension `d` from `generator` (the system CSPRNG by default).
    ///
    /// `M` is drawn as `Q1 diag(s) Q2` with Haar-random orthogonal factors and singular values in
    /// `[1, maxCondition]`, so encrypted vectors can be stored as `Float` without reordering scores;
    /// `r`, `S`, `X` are uniform in `[-1, 1]`, `theta` uniform in `[0.5, 2]`, `pi` uniform.
    public static func generate(dimension d: Int, maxCondition: Double = 4,
                                using generator: inout some RandomNumberGenerator) throws(SecureKNNError) -> SecureKNNOwnerKey {
        guard d >= 1, d <= 8192 else { throw .invalidParameter("dimension must be in 1...8192") }
        let size = 2 * d + 2
        let m = Matrix.randomWellConditioned(size, maxCondition: maxCondition, using: &generator)
        func vector() -> [Double] { (0...d).map { _ in Double.random(in: -1...1, using: &generator) } }
        let r = vector(), s = vector(), x = vector()
        let permutation = Array(0...d).shuffled(using: &generator)
        let theta = Double.random(in: 0.5...2, using: &generator)
        return try SecureKNNOwnerKey(m: m, r: r, s: s, permutation: permutation, theta: theta, x: x)
    }

    /// Generates a fresh key from the system CSPRNG.
    public static func generate(dimension d: Int) throws(SecureKNNError) -> SecureKNNOwnerKey {
        var generator = SecureRandomGenerator()
        return try generate(dimension: d, using: &generator)
    }

    /// The expanded vector `f^` (before multiplying by `M^-1`): `f~ = pi(r[0..<d] - 2f, r[d] + |f|^2)`
    /// interleaved with `S`.
    func expanded(_ feature: [Double]) -> [Double] {
        let d = dimension
        var t = [Double](repeating: 0, count: d + 1)
        var norm = 0.0
        for j in 0..<d {
            t[j] = r[j] - 2 * feature[j]
            norm += feature[j] * feature[j]
        }
        t[d] = r[d] + norm
        var hat = [Double](repeating: 0, count: 2 * d + 2)
        for j in 0...d {
            hat[2 * j] = t[permutation[j]]
            hat[2 * j + 1] = s[j]
        }
        return hat
    }

    /// Encrypts a feature vector (or a cluster centre) as an index vector `f' = f^ M^-1` (equation 3).
    /// - Throws: ``SecureKNNError/dimensionMismatch(what:expected:actual:)`` or
    ///   ``SecureKNNError/nonFiniteValue(what:)``.
    public func encryptIndexVector(_ feature: [Double]) throws(SecureKNNError) -> [Double] {
        guard feature.count == dimension else {
            throw .dimensionMismatch(what: "feature vector", expected: dimension, actual: feature.count)
        }
        guard feature.allSatisfy(\.isFinite) else { throw .nonFiniteValue(what: "feature vector") }
        return mInverse.multiply(rowVector: expanded(feature))
    }

    /// Encrypts many feature vectors at once (a matrix product with `M^-1`), returning them row after row.
    public func encryptIndexVectors(_ features: [[Double]]) throws(SecureKNNError) -> [[Double]] {
        var result = [[Double]]()
        result.reserveCapacity(features.count)
        for feature in features { result.append(try encryptIndexVector(feature)) }
        return result
    }

    /// Answers a user's registration: `Abar = A W^-1` and `U` (sei.md 5.3.1). Never reveals `M`, `r`, `S`, `pi`.
    /// - Throws: ``SecureKNNError`` when `W` has the wrong shape or is singular.
    public func register(_ request: SecureKNNRegistrationRequest) throws(SecureKNNError) -> SecureKNNUserGrant {
        let w = request.w
        guard w.rows == dimension, w.columns == dimension else {
            throw .dimensionMismatch(what: "user matrix W", expected: dimension, actual: w.rows == dimension ? w.columns : w.rows)
        }
        let wInverse = try w.inverted()
        return try SecureKNNUserGrant(abar: a.multiplied(by: wInverse), u: u)
    }
}
