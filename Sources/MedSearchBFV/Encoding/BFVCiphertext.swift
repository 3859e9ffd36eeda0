/// A BFV ciphertext: two polynomials (three right after a multiplication, before relinearisation) in
/// coefficient form over the first `level` primes of `q`.
///
/// A fresh secret-key encryption remembers the 32-byte seed its second polynomial was expanded from, so its
/// serialisation is half size; any homomorphic operation yields a ciphertext without a seed.
public struct BFVCiphertext: Sendable, Equatable {
    /// The polynomials `c_0, c_1 (, c_2)`.
    public internal(set) var polys: [PolyRq]
    /// The seed `c_1` was expanded from, for fresh secret-key encryptions.
    public internal(set) var seed: [UInt8]?

    init(polys: [PolyRq], seed: [UInt8]? = nil) {
        precondition(polys.count >= 2 && polys.allSatisfy { $0.limbCount == polys[0].limbCount })
        self.polys = polys
        self.seed = seed
    }

    /// The number of RNS limbs (`k` when fresh; one fewer after each modulus switch).
    public var level: Int { polys[0].limbCount }

    /// The number of polynomials (2, or 3 after a multiplication without relinearisation).
    public var size: Int { polys.count }

    /// The polynomial degree.
    public var degree: Int { polys[0].degree }
}
