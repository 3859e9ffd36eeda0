/// The BFV public key `(p_0, p_1) = (-(a s + e), a)` in NTT form; `a` is expanded from a public 32-byte seed,
/// so only `p_0` and the seed are serialised.
public struct BFVPublicKey: Sendable, Equatable {
    /// The parameters the key belongs to.
    public let parameters: BFVParameters
    let p0: PolyRq
    let p1: PolyRq
    let seed: [UInt8]
}

/// A key-switching key for hybrid key switching (RNS gadget plus the special prime `P`, as in Microsoft SEAL):
/// component `i` (one per data prime) encrypts `P w g_i` modulo `q P`, where `g_i = 1 mod q_i` and `0 mod q_j`
/// (`j != i`), i.e. `(k0_i, k1_i) = (-a_i s + e_i + [P]_(q_i) w [j == i], a_i)` limb by limb over every prime, in
/// NTT form. Without a special prime `P = 1` and the limbs are the data primes. The `a_i` are expanded from one public
/// seed. The same key serves every level (the data limbs of a level plus the special limb).
///
/// Stored flat: component `i`, limb `l` (an index into the context's `keyModuli`), coefficient `c` at
/// `(i * keyLimbs + l) * N + c`.
public struct BFVKeySwitchKey: Sendable, Equatable {
    /// The number of components (data primes).
    let components: Int
    let k0: [UInt64]
    let k1: [UInt64]
    let seed: [UInt8]
}

/// The relinearisation key (switches `s^2` to `s`): an evaluation key a server may hold.
public struct BFVRelinearizationKey: Sendable, Equatable {
    /// The parameters the key belongs to.
    public let parameters: BFVParameters
    let key: BFVKeySwitchKey
}

/// Galois keys for chosen automorphisms `X -> X^g` (row rotations `g = 3^k mod 2N`, column swap `g = 2N - 1`).
public struct BFVGaloisKeys: Sendable, Equatable {
    /// The parameters the keys belong to.
    public let parameters: BFVParameters
    let keys: [Int: BFVKeySwitchKey]

    /// The Galois elements these keys cover.
    public var elements: [Int] { keys.keys.sorted() }
}
