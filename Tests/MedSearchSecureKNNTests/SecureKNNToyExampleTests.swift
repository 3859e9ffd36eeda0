import Testing
@testable import MedSearchSecureKNN

/// The toy example of sei.md section 5.4 (d = 2): the published scores are 970.14 and 4559.88.
///
/// The paper's printed M' lists the pair sums of M in the order (1, 3, 2) although it states pi = (1, 2, 3)
/// and encrypts f~ without permuting it. Both halves are reproduced exactly: the user-key derivation
/// (A, U, Abar) with pi = (1, 3, 2), the index vectors with pi = (1, 2, 3). The published scores come from
/// combining them (so they do not satisfy the distance identity); a consistent key is checked separately.
@Suite struct SecureKNNToyExampleTests {
    static let m = Matrix(rows: [
        [17, 1, 26, 38, 8, 26],
        [33, 38, 5, 12, 1, 5],
        [18, 43, 9, 13, 22, 32],
        [36, 28, 6, 41, 23, 14],
        [25, 44, 21, 13, 5, 16],
        [22, 24, 6, 28, 27, 28],
    ])
    static let r: [Double] = [1, 3, 1]
    static let s: [Double] = [2, 12, 3]
    static let x: [Double] = [6, 1, 2]
    static let theta = 3.0
    static let w = Matrix(rows: [[4, 5], [3, 1]])
    static let gamma = 3.7
    static let f1: [Double] = [2, 3]
    static let f2: [Double] = [8, 6]
    static let q: [Double] = [3, 4.2]

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test func userKeyDerivationMatchesPaper() throws {
        let key = try SecureKNNOwnerKey(m: Self.m, r: Self.r, s: Self.s, permutation: [0, 2, 1], theta: Self.theta, x: Self.x)
        let expectedA = Matrix(rows: [[54, 102], [213, 18], [183, 162], [192, 111], [207, 63], [138, 165]])
        #expect(Self.close(key.a.elements, expectedA.elements, 1e-9))
        #expect(Self.close(key.u, [288, 301, 401, 378, 411, 330], 1e-9))
        let grant = try key.register(SecureKNNUserSecret(w: Self.w).registrationRequest)
        let expectedAbar: [Double] = [22.909, -12.545, -14.455, 90.273, 27.545, 24.273,
                                      12.818, 46.909, -1.636, 71.182, 32.455, 2.727]
        #expect(Self.close(grant.abar.elements, expectedAbar, 0.0006))
    }

    @Test func indexVectorsMatchPaper() throws {
        let key = try SecureKNNOwnerKey(m: Self.m, r: Self.r, s: Self.s, permutation: [0, 1, 2], theta: Self.theta, x: Self.x)
        #expect(key.expanded(Self.f1) == [-3, 2, -3, 12, 14, 3])
        let e1 = try key.encryptIndexVector(Self.f1)
        let e2 = try key.encryptIndexVector(Self.f2)
        #expect(Self.close(e1, [-0.077, -0.988, 1.104, 1.371, -0.265, -1.440], 0.0006))
        #expect(Self.close(e2, [-5.509, -5.970, -9.828, -1.623, 8.666, 13.380], 0.0006))
    }

    @Test func publishedScores() throws {
        let indexKey = try SecureKNNOwnerKey(m: Self.m, r: Self.r, s: Self.s, permutation: [0, 1, 2], theta: Self.theta, x: Self.x)
        let userKeySource = try SecureKNNOwnerKey(m: Self.m, r: Self.r, s: Self.s, permutation: [0, 2, 1], theta: Self.theta, x: Self.x)
        let secret = try SecureKNNUserSecret(w: Self.w)
        let queryKey = try SecureKNNQueryKey(grant: userKeySource.register(secret.registrationRequest), secret: secret)
        let trapdoor = try queryKey.trapdoor(for: Self.q, gamma: Self.gamma)
        #expect(Self.close(trapdoor, [3250.08, 3757.72, 6032.48, 5254.74, 4797.42, 5316.9], 1e-6))
        let s1 = SecureKNN.score(try indexKey.encryptIndexVector(Self.f1), trapdoor)
        let s2 = SecureKNN.score(try indexKey.encryptIndexVector(Self.f2), trapdoor)
        #expect(abs(s1 - 970.14) < 0.005)
        #expect(abs(s2 - 4559.88) < 0.005)
        #expect(s1 < s2)
    }

    /// With one consistent key the score difference is exactly gamma*theta*(|f2-q|^2 - |f1-q|^2).
    @Test func consistentKeyGivesDistanceIdentity() throws {
        for permutation in [[0, 1, 2], [0, 2, 1], [2, 0, 1]] {
            let key = try SecureKNNOwnerKey(m: Self.m, r: Self.r, s: Self.s, permutation: permutation, theta: Self.theta, x: Self.x)
            let secret = try SecureKNNUserSecret(w: Self.w)
            let queryKey = try SecureKNNQueryKey(grant: key.register(secret.registrationRequest), secret: secret)
            let trapdoor = try queryKey.trapdoor(for: Self.q, gamma: Self.gamma)
            let s1 = SecureKNN.score(try key.encryptIndexVector(Self.f1), trapdoor)
            let s2 = SecureKNN.score(try key.encryptIndexVector(Self.f2), trapdoor)
            // |f1-q|^2 = 2.44, |f2-q|^2 = 28.24; gamma*theta = 11.1
            #expect(abs((s2 - s1) - 11.1 * (28.24 - 2.44)) < 1e-6)
        }
    }
}
