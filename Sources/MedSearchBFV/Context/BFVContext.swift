import MedSearchModular

/// Everything precomputed for one parameter set: NTT tables for every prime, RNS base-conversion constants for
/// each level, the auxiliary base of the BEHZ multiplication and the SIMD slot map. Built once, immutable and
/// shared by every key, ciphertext and thread (`Sendable`).
///
/// Ciphertexts keep their polynomials in coefficient form (what the BEHZ base extension and key switching
/// need); keys are kept in NTT form. A ciphertext's level is its number of RNS limbs (`k` when fresh, smaller
/// after ``modSwitchToNext(_:)``).
public final class BFVContext: Sendable {
    /// The parameter set.
    public let parameters: BFVParameters
    /// The polynomial degree `N`.
    public let degree: Int
    /// The data moduli `q_i` (a ciphertext's primes; the special prime, if any, is not among them).
    public let moduli: [Modulus]
    /// Every prime of the set: the data moduli, then the special key-switching prime `P` if the set has one.
    public let keyModuli: [Modulus]
    /// NTT tables for each prime of ``keyModuli`` (data primes first, so `nttTables[0..<level]` serves a level).
    public let nttTables: [NTTTables]
    /// The special prime's constants for hybrid key switching (nil without a special prime).
    let special: SpecialPrimeTables?
    /// Reused scratch buffers of the hot paths (multiplication, key switching, decryption).
    let scratch = ScratchPool()
    /// The plaintext modulus `t`.
    public let plainModulus: Modulus
    /// NTT tables modulo `t` (SIMD encoding; nil when `t` is not `1 mod 2N`).
    let plainNTT: NTTTables?
    /// The BEHZ auxiliary base `Bsk = B + {m_sk}` (61-bit NTT primes).
    let auxModuli: [Modulus]
    /// NTT tables for the auxiliary base.
    let auxNTT: [NTTTables]
    /// `|B|` (the auxiliary base without `m_sk`).
    let bCount: Int
    /// The decryption helper prime `gamma`.
    let gamma: Modulus
    /// Per-level tables, index `limbCount - 1`.
    let levels: [LevelTables]
    /// Slot `i` of the `2 x N/2` matrix lives at NTT position `slotIndexMap[i]` modulo `t`.
    let slotIndexMap: [Int]
    /// `B -> q` conversion constants (Shenoy-Kumaresan) for the top level; lower levels use prefixes.
    let skTables: SKTables

    /// Builds the context (a few milliseconds to a few hundred for `N = 16384`; build once and share).
    public init(parameters: BFVParameters) throws(BFVError) {
        self.parameters = parameters
        let n = parameters.polyDegree
        degree = n
        keyModuli = parameters.coefficientModuli.map(Modulus.init)
        moduli = Array(keyModuli.prefix(parameters.limbCount))
        do {
            nttTables = try keyModuli.map { m throws(ModularError) in try NTTTables(modulus: m, degree: n) }
            plainModulus = Modulus(parameters.plainModulus)
            plainNTT = parameters.supportsBatching ? try NTTTables(modulus: plainModulus, degree: n) : nil
            // BEHZ: K * n * t * q^2 < q * B * m_sk, with 32 bits reserved for K * n (as in SEAL's RNSTool).
            let qBits = parameters.dataModulusBits
            let tBits = plainModulus.bitCount
            var count = parameters.limbCount
            if 32 + tBits + qBits >= 61 * count + 61 { count += 1 }
            let exclude = Set(parameters.coefficientModuli + [parameters.plainModulus])
            let aux = try Primes.nttPrimes(bitCount: 61, count: count + 2, polyDegree: n, excluding: exclude)
            bCount = count
            auxModuli = aux[0...count].map(Modulus.init)
            gamma = Modulus(aux[count + 1])
            auxNTT = try auxModuli.map { m throws(ModularError) in try NTTTables(modulus: m, degree: n) }
        } catch {
            throw .invalidParameters("\(error)")
        }
        skTables = SKTables(b: Array(auxModuli[0..<bCount]), msk: auxModuli[bCount], q: moduli)
        special = keyModuli.count > moduli.count ? SpecialPrimeTables(p: keyModuli[moduli.count], q: moduli) : nil
        var levels: [LevelTables] = []
        for l in 1...parameters.limbCount {
            levels.append(LevelTables(q: Array(moduli[0..<l]), t: plainModulus, bsk: auxModuli,
                                      gamma: gamma))
        }
        self.levels = levels
        // SIMD slot map (2 x N/2 matrix; row rotations are Galois elements 3^k, the column swap is 2N - 1).
        var map = [Int](repeating: 0, count: n)
        let rowSize = n / 2
        let m = UInt64(2 * n)
        var pos: UInt64 = 1
        let log = n.trailingZeroBitCount
        for i in 0..<rowSize {
            let index1 = Int((pos - 1) >> 1)
            let index2 = Int((m - pos - 1) >> 1)
            map[i] = ModularMath.reverseBits(index1, bitCount: log)
            map[rowSize + i] = ModularMath.reverseBits(index2, bitCount: log)
            pos = (pos * 3) & (m - 1)
        }
        slotIndexMap = map
    }

    /// The top level (number of limbs of a fresh ciphertext).
    public var topLevel: Int { moduli.count }

    /// Components of a key-switching key: one per data prime and digit (``BFVParameters/keySwitchDigits``).
    var keySwitchComponentCount: Int { moduli.count * parameters.keySwitchDigits }

    /// Bits per key-switching digit when a data prime is split (``BFVParameters/keySwitchDigits`` > 1): the widest
    /// data prime's bits divided evenly, rounded up.
    var keySwitchDigitBits: Int {
        let widest = moduli.map(\.bitCount).max() ?? 64
        let digits = parameters.keySwitchDigits
        return digits == 1 ? 64 : (widest + digits - 1) / digits
    }

    /// The moduli of a level.
    @inlinable
    public func moduli(level: Int) -> [Modulus] { Array(moduli[0..<level]) }

    func tables(level: Int) -> LevelTables { levels[level - 1] }
}

/// Constants of one level (the first `L` primes of `q`). The RNS conversions fold their constant factors into
/// these tables (for example `m~^-1` into the extension's `(q/q_i) mod b_j`, `-q^-1` into the fast floor's), so
/// each output residue needs one 128-bit accumulation and one reduction; constants marked "Montgomery form" carry
/// the factor `2^64` that the Montgomery reduction of the sum removes.
final class LevelTables: Sendable {
    let limbCount: Int
    /// `floor(q / t) mod q_i`.
    let deltaModQ: [UInt64]
    /// `(q / q_i)^-1 mod q_i`.
    let qHatInv: [ShoupConstant]
    // Decryption (BEHZ with gamma): gamma * t * (q/q_i)^-1 mod q_i; -q_i^-1 mod t and mod gamma; gamma^-1 mod t.
    let decryptScale: [ShoupConstant]
    let negQiInvModT: [ShoupConstant]
    /// Montgomery form.
    let negQiInvModGamma: [UInt64]
    let gammaInvModT: ShoupConstant
    // Multiplication (BEHZ).
    /// `m~ * (q/q_i)^-1 mod q_i`.
    let mTildeQHatInv: [ShoupConstant]
    /// `(q/q_i) * m~^-1 mod bsk_j`, index `[i * bskCount + j]` (extension `q -> Bsk`), Montgomery form.
    let qHatMTildeInvModBsk: [UInt64]
    /// `(q/q_i) mod 2^32`.
    let qHatModMTilde: [UInt64]
    /// `-q^-1 mod 2^32`.
    let negQInvModMTilde: UInt64
    /// `q m~^-1 mod bsk_j` and `-q m~^-1 mod bsk_j` (the correction by `m~` of the extension), Montgomery form.
    let qMTildeInvModBsk: [UInt64]
    let negQMTildeInvModBsk: [UInt64]
    /// `t * (q/q_i)^-1 mod q_i` (fast floor).
    let tQHatInv: [ShoupConstant]
    /// `t * q^-1 mod bsk_j` (fast floor), Montgomery form.
    let tQInvModBsk: [UInt64]
    /// `-q_i^-1 mod bsk_j`, index `[i * bskCount + j]` (fast floor: `-q^-1 (q/q_i)`), Montgomery form.
    let negQiInvModBsk: [UInt64]
    // Modulus switching to level L - 1.
    /// `q_(L-1)^-1 mod q_i` for `i < L - 1`.
    let lastInvModQ: [ShoupConstant]
    /// `floor(q_(L-1) / 2) mod q_i`.
    let lastHalfModQ: [UInt64]
    // Noise measurement (client side).
    let qHatWide: [[UInt64]]
    let qWide: [UInt64]

    init(q: [Modulus], t: Modulus, bsk: [Modulus], gamma: Modulus) {
        let l = q.count
        limbCount = l
        func qHat(_ i: Int, mod m: Modulus) -> UInt64 {
            var r: UInt64 = 1
            for j in 0..<l where j != i { r = m.multiply(r, m.reduce(q[j].value)) }
            return r
        }
        func qProduct(mod m: Modulus) -> UInt64 {
            var r: UInt64 = 1
            for j in 0..<l { r = m.multiply(r, m.reduce(q[j].value)) }
            return r
        }
        func negInverse(_ i: Int, mod m: Modulus) -> UInt64 { m.negate(m.inverse(m.reduce(q[i].value))!) }
        let qHatInvValues = (0..<l).map { q[$0].inverse(qHat($0, mod: q[$0]))! }
        qHatInv = (0..<l).map { q[$0].shoup(qHatInvValues[$0]) }
        // Delta = floor(q/t) = (q - (q mod t)) / t, so Delta mod q_i = -(q mod t) * t^-1 mod q_i.
        let qModT = qProduct(mod: t)
        deltaModQ = (0..<l).map { i in
            let m = q[i]
            return m.multiply(m.negate(m.reduce(qModT)), m.inverse(t.value)!)
        }
        decryptScale = (0..<l).map { i in
            let m = q[i]
            let gt = m.multiply(m.reduce(gamma.value), m.reduce(t.value))
            return m.shoup(m.multiply(gt, qHatInvValues[i]))
        }
        negQiInvModT = (0..<l).map { t.shoup(negInverse($0, mod: t)) }
        negQiInvModGamma = (0..<l).map { gamma.montgomeryForm(negInverse($0, mod: gamma)) }
        gammaInvModT = t.shoup(t.inverse(gamma.value)!)

        let mTilde: UInt64 = 1 << 32
        mTildeQHatInv = (0..<l).map { q[$0].shoup(q[$0].multiply(q[$0].reduce(mTilde), qHatInvValues[$0])) }
        var hatBsk: [UInt64] = [], negInvBsk: [UInt64] = []
        for i in 0..<l {
            for b in bsk {
                hatBsk.append(b.montgomeryForm(b.multiply(qHat(i, mod: b), b.inverse(mTilde)!)))
                negInvBsk.append(b.montgomeryForm(negInverse(i, mod: b)))
            }
        }
        qHatMTildeInvModBsk = hatBsk
        negQiInvModBsk = negInvBsk
        qHatModMTilde = (0..<l).map { i in
            var r: UInt64 = 1
            for j in 0..<l where j != i { r = (r &* q[j].value) & (mTilde - 1) }
            return r
        }
        var qMod32: UInt64 = 1
        for j in 0..<l { qMod32 = (qMod32 &* q[j].value) & (mTilde - 1) }
        let qInv32 = ModularMath.inverse(qMod32, modulo: mTilde)!
        negQInvModMTilde = (mTilde - qInv32) & (mTilde - 1)
        qMTildeInvModBsk = bsk.map { $0.montgomeryForm($0.multiply(qProduct(mod: $0), $0.inverse(mTilde)!)) }
        negQMTildeInvModBsk = bsk.map { $0.montgomeryForm($0.negate($0.multiply(qProduct(mod: $0), $0.inverse(mTilde)!))) }
        tQHatInv = (0..<l).map { q[$0].shoup(q[$0].multiply(q[$0].reduce(t.value), qHatInvValues[$0])) }
        tQInvModBsk = bsk.map { $0.montgomeryForm($0.multiply($0.reduce(t.value), $0.inverse(qProduct(mod: $0))!)) }

        if l >= 2 {
            let last = q[l - 1]
            lastInvModQ = (0..<l - 1).map { q[$0].shoup(q[$0].inverse(q[$0].reduce(last.value))!) }
            lastHalfModQ = (0..<l - 1).map { q[$0].reduce(last.value >> 1) }
        } else {
            lastInvModQ = []
            lastHalfModQ = []
        }
        qHatWide = (0..<l).map { i in WideInteger.product((0..<l).filter { $0 != i }.map { q[$0].value }) }
        qWide = WideInteger.product(q.map(\.value))
    }
}

/// Constants of the special prime `P` for hybrid key switching: `P mod q_i` (keys encrypt `P w` on limb `i`),
/// `P^-1 mod q_i` and `floor(P / 2) mod q_i` (the rounded division by `P` at the end of a key switch).
final class SpecialPrimeTables: Sendable {
    let p: Modulus
    let pModQ: [UInt64]
    let pInvModQ: [ShoupConstant]
    let halfModQ: [UInt64]

    init(p: Modulus, q: [Modulus]) {
        self.p = p
        pModQ = q.map { $0.reduce(p.value) }
        pInvModQ = q.map { $0.shoup($0.inverse($0.reduce(p.value))!) }
        halfModQ = q.map { $0.reduce(p.value >> 1) }
    }
}

/// Shenoy-Kumaresan conversion constants `B -> q` (with the redundant prime `m_sk`).
final class SKTables: Sendable {
    let b: [Modulus]
    let msk: Modulus
    /// `(B/b_j)^-1 mod b_j`.
    let bHatInv: [ShoupConstant]
    /// `(B/b_j) mod q_i`, index `[j * qCount + i]`.
    let bHatModQ: [ShoupConstant]
    /// `(B/b_j) B^-1 mod m_sk` and `-B^-1 mod m_sk` (the redundant residue `alpha`, `B^-1` folded in).
    let bHatBInvModMsk: [ShoupConstant]
    let negBInvModMsk: ShoupConstant
    /// `B mod q_i` and `-B mod q_i`.
    let bModQ: [ShoupConstant]
    let negBModQ: [ShoupConstant]
    let qCount: Int

    init(b: [Modulus], msk: Modulus, q: [Modulus]) {
        self.b = b
        self.msk = msk
        qCount = q.count
        func bHat(_ j: Int, mod m: Modulus) -> UInt64 {
            var r: UInt64 = 1
            for k in b.indices where k != j { r = m.multiply(r, m.reduce(b[k].value)) }
            return r
        }
        func bProduct(mod m: Modulus) -> UInt64 {
            var r: UInt64 = 1
            for k in b.indices { r = m.multiply(r, m.reduce(b[k].value)) }
            return r
        }
        bHatInv = b.indices.map { b[$0].shoup(b[$0].inverse(bHat($0, mod: b[$0]))!) }
        var hatQ: [ShoupConstant] = []
        for j in b.indices { for m in q { hatQ.append(m.shoup(bHat(j, mod: m))) } }
        bHatModQ = hatQ
        let bInv = msk.inverse(bProduct(mod: msk))!
        bHatBInvModMsk = b.indices.map { msk.shoup(msk.multiply(bHat($0, mod: msk), bInv)) }
        negBInvModMsk = msk.shoup(msk.negate(bInv))
        bModQ = q.map { $0.shoup(bProduct(mod: $0)) }
        negBModQ = q.map { $0.shoup($0.negate(bProduct(mod: $0))) }
    }
}
