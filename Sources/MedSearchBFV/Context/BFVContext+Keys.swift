import MedSearchCore
import MedSearchModular

extension BFVContext {
    /// Generates a fresh ternary secret key from `rng` (the system-seeded ChaCha20 CSPRNG by default).
    public func generateSecretKey(using rng: inout some RandomNumberGenerator) -> BFVSecretKey {
        let ternary = BFVSampling.ternary(count: degree, using: &rng)
        return makeSecretKey(ternary: ternary)
    }

    /// Generates a fresh secret key with the system-seeded CSPRNG.
    public func generateSecretKey() -> BFVSecretKey {
        var rng = ChaChaRandomGenerator()
        return generateSecretKey(using: &rng)
    }

    func makeSecretKey(ternary: [Int8]) -> BFVSecretKey {
        // Over every prime (the special one too: key-switching keys live modulo q P).
        var s = BFVSampling.lift(ternary, moduli: keyModuli, degree: degree)
        s.forwardNTT(nttTables)
        return BFVSecretKey(parameters: parameters, ntt: s, ternary: ternary)
    }

    /// Generates the public key for `secretKey`.
    public func generatePublicKey(secretKey: BFVSecretKey, using rng: inout some RandomNumberGenerator) -> BFVPublicKey {
        let seed = SecureRandom.bytes(32, using: &rng)
        let a = BFVSampling.expand(seed: seed, domain: 1, moduli: moduli, degree: degree)
        var e = BFVSampling.lift(BFVSampling.centeredBinomial(count: degree, using: &rng), moduli: moduli, degree: degree)
        e.forwardNTT(nttTables)
        var p0 = a
        p0.multiplyPointwise(secretKey.ntt, moduli: moduli)
        p0.add(e, moduli: moduli)
        p0.negate(moduli: moduli)
        e.wipe()
        return BFVPublicKey(parameters: parameters, p0: p0, p1: a, seed: seed)
    }

    /// Generates the public key with the system-seeded CSPRNG.
    public func generatePublicKey(secretKey: BFVSecretKey) -> BFVPublicKey {
        var rng = ChaChaRandomGenerator()
        return generatePublicKey(secretKey: secretKey, using: &rng)
    }

    /// Generates the relinearisation key for `secretKey`.
    public func generateRelinearizationKey(secretKey: BFVSecretKey,
                                           using rng: inout some RandomNumberGenerator) -> BFVRelinearizationKey {
        var s2 = secretKey.ntt
        s2.multiplyPointwise(secretKey.ntt, moduli: keyModuli)
        let key = generateKeySwitchKey(target: s2, secretKey: secretKey, using: &rng)
        s2.wipe()
        return BFVRelinearizationKey(parameters: parameters, key: key)
    }

    /// Generates the relinearisation key with the system-seeded CSPRNG.
    public func generateRelinearizationKey(secretKey: BFVSecretKey) -> BFVRelinearizationKey {
        var rng = ChaChaRandomGenerator()
        return generateRelinearizationKey(secretKey: secretKey, using: &rng)
    }

    /// The Galois element that rotates both rows of the `2 x N/2` slot matrix left by `steps`
    /// (slot `i` receives slot `i + steps`); negative steps rotate right.
    public func galoisElement(rotatingRowsBy steps: Int) -> Int {
        let rowSize = degree / 2
        let k = ((steps % rowSize) + rowSize) % rowSize
        var g = 1
        for _ in 0..<k { g = (g * 3) % (2 * degree) }
        return g
    }

    /// The Galois element that swaps the two rows of the slot matrix (`2N - 1`).
    public var galoisElementSwappingRows: Int { 2 * degree - 1 }

    /// Generates Galois keys for the given elements (odd, in `1..<2N`).
    ///
    /// - Throws: ``BFVError/valueOutOfRange(_:)`` for an invalid element.
    public func generateGaloisKeys(secretKey: BFVSecretKey, elements: [Int],
                                   using rng: inout some RandomNumberGenerator) throws(BFVError) -> BFVGaloisKeys {
        var keys: [Int: BFVKeySwitchKey] = [:]
        for g in Set(elements).sorted() {  // sorted: a seeded generator gives the same keys every run
            guard g > 0, g < 2 * degree, g & 1 == 1 else {
                throw .valueOutOfRange("Galois element \(g) is not odd in 1..<\(2 * degree)")
            }
            var s = BFVSampling.lift(secretKey.ternary, moduli: keyModuli, degree: degree)
            var target = applyGalois(s, element: g)
            target.forwardNTT(nttTables)
            keys[g] = generateKeySwitchKey(target: target, secretKey: secretKey, using: &rng)
            s.wipe()
            target.wipe()
        }
        return BFVGaloisKeys(parameters: parameters, keys: keys)
    }

    /// Generates Galois keys with the system-seeded CSPRNG.
    public func generateGaloisKeys(secretKey: BFVSecretKey, elements: [Int]) throws(BFVError) -> BFVGaloisKeys {
        var rng = ChaChaRandomGenerator()
        return try generateGaloisKeys(secretKey: secretKey, elements: elements, using: &rng)
    }

    /// A key-switching key from `target` (NTT form over every prime of ``keyModuli``) to `s`: one component per data
    /// prime `q_i` and digit `k` (``BFVParameters/keySwitchDigits``), `(k0, k1) = (-a s + e + [P 2^(w k)]_(q_i) w on
    /// limb i, a)` modulo `q P` (``BFVKeySwitchKey``; `P = 1` and only the data primes without a special prime).
    func generateKeySwitchKey(target: PolyRq, secretKey: BFVSecretKey,
                              using rng: inout some RandomNumberGenerator) -> BFVKeySwitchKey {
        let seed = SecureRandom.bytes(32, using: &rng)
        var k0: [UInt64] = []
        var k1: [UInt64] = []
        let n = degree
        let all = keyModuli
        let digits = parameters.keySwitchDigits
        for component in 0..<keySwitchComponentCount {
            let i = component / digits, k = component % digits
            let a = keySwitchMask(seed: seed, component: component)
            var e = BFVSampling.lift(BFVSampling.centeredBinomial(count: n, using: &rng), moduli: all, degree: n)
            e.forwardNTT(nttTables)
            var c0 = a
            c0.multiplyPointwise(secretKey.ntt, moduli: all)
            c0.negate(moduli: all)
            c0.add(e, moduli: all)
            // + P 2^(w k) w on limb i only (the RNS gadget, digit k of limb i; P vanishes modulo P itself).
            let m = moduli[i]
            let digitScale = m.reduce(UInt64(1) << UInt64(keySwitchDigitBits * k))
            let factor = m.shoup(m.multiply(special?.pModQ[i] ?? 1, digitScale))
            c0.data.withUnsafeMutableBufferPointer { x in
                target.data.withUnsafeBufferPointer { w in
                    for c in i * n..<(i + 1) * n { x[c] = m.add(x[c], factor.multiply(w[c], modulus: m.value)) }
                }
            }
            e.wipe()
            k0 += c0.data
            k1 += a.data
        }
        return BFVKeySwitchKey(components: keySwitchComponentCount, k0: k0, k1: k1, seed: seed)
    }

    /// The uniform part `a_i` of key-switching component `i` (NTT form over every prime), from the key's seed.
    func keySwitchMask(seed: [UInt8], component i: Int) -> PolyRq {
        BFVSampling.expand(seed: seed, domain: 16 + UInt32(i), moduli: keyModuli, degree: degree)
    }

    /// Applies `X -> X^g` to a polynomial in coefficient form (limbs of the first primes of ``keyModuli``).
    func applyGalois(_ poly: PolyRq, element g: Int) -> PolyRq {
        PolyRq(degree: degree, limbCount: poly.limbCount) { out in
            poly.data.withUnsafeBufferPointer { applyGalois($0.baseAddress!, element: g, limbs: poly.limbCount, into: out) }
        }
    }
}
