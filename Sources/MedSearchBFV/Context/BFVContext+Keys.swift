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
        var s = BFVSampling.lift(ternary, moduli: moduli, degree: degree)
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
        s2.multiplyPointwise(secretKey.ntt, moduli: moduli)
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
        for g in Set(elements) {
            guard g > 0, g < 2 * degree, g & 1 == 1 else {
                throw .valueOutOfRange("Galois element \(g) is not odd in 1..<\(2 * degree)")
            }
            var s = BFVSampling.lift(secretKey.ternary, moduli: moduli, degree: degree)
            var target = applyGalois(s, element: g, moduli: moduli)
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

    /// A key-switching key from `target` (NTT form, all limbs) to `s`.
    func generateKeySwitchKey(target: PolyRq, secretKey: BFVSecretKey,
                              using rng: inout some RandomNumberGenerator) -> BFVKeySwitchKey {
        let seed = SecureRandom.bytes(32, using: &rng)
        var k0: [PolyRq] = []
        var k1: [PolyRq] = []
        let n = degree
        for i in 0..<moduli.count {
            let a = BFVSampling.expand(seed: seed, domain: 16 + UInt32(i), moduli: moduli, degree: n)
            var e = BFVSampling.lift(BFVSampling.centeredBinomial(count: n, using: &rng), moduli: moduli, degree: n)
            e.forwardNTT(nttTables)
            var c0 = a
            c0.multiplyPointwise(secretKey.ntt, moduli: moduli)
            c0.negate(moduli: moduli)
            c0.add(e, moduli: moduli)
            // + w on limb i only (the RNS gadget).
            let m = moduli[i]
            c0.data.withUnsafeMutableBufferPointer { x in
                target.data.withUnsafeBufferPointer { w in
                    for c in i * n..<(i + 1) * n { x[c] = m.add(x[c], w[c]) }
                }
            }
            e.wipe()
            k0.append(c0)
            k1.append(a)
        }
        return BFVKeySwitchKey(k0: k0, k1: k1, seed: seed)
    }

    /// Applies `X -> X^g` to a polynomial in coefficient form.
    func applyGalois(_ poly: PolyRq, element g: Int, moduli: [Modulus]) -> PolyRq {
        let n = degree
        let twoN = 2 * n
        var out = PolyRq(degree: n, limbCount: poly.limbCount)
        out.data.withUnsafeMutableBufferPointer { y in
            poly.data.withUnsafeBufferPointer { x in
                for l in 0..<poly.limbCount {
                    let p = moduli[l].value
                    let base = l * n
                    var e = 0
                    for i in 0..<n {
                        let v = x[base + i]
                        if e < n { y[base + e] = v } else { y[base + e - n] = v == 0 ? 0 : p &- v }
                        e += g
                        if e >= twoN { e -= twoN }
                    }
                }
            }
        }
        return out
    }
}
