import MedSearchBFV
import MedSearchCore
import Testing
import _MedSearchTestSupport

/// Keys and helpers for one parameter set.
struct Fixture {
    let context: BFVContext
    let sk: BFVSecretKey
    let pk: BFVPublicKey
    let rk: BFVRelinearizationKey
    let gk: BFVGaloisKeys
    var rng: SeededRandomNumberGenerator

    init(_ parameters: BFVParameters, seed: UInt64, rotations: [Int] = [1, -3]) throws {
        context = try BFVContext.cached(parameters)
        var rng = seededGenerator(seed)
        sk = context.generateSecretKey(using: &rng)
        pk = context.generatePublicKey(secretKey: sk, using: &rng)
        rk = context.generateRelinearizationKey(secretKey: sk, using: &rng)
        let context = self.context
        gk = try context.generateGaloisKeys(
            secretKey: sk, elements: rotations.map { context.galoisElement(rotatingRowsBy: $0) } + [context.galoisElementSwappingRows],
            using: &rng)
        self.rng = rng
    }

    var t: UInt64 { context.parameters.plainModulus }
    var n: Int { context.degree }

    mutating func randomSlots() -> [UInt64] {
        let t = self.t
        return (0..<n).map { _ in UInt64.random(in: 0..<t, using: &rng) }
    }

    mutating func encrypt(_ values: [UInt64], secret: Bool = false) throws -> BFVCiphertext {
        let pt = try context.encode(values)
        return secret ? try context.encrypt(pt, secretKey: sk, using: &rng) : try context.encrypt(pt, publicKey: pk, using: &rng)
    }

    func decrypt(_ ct: BFVCiphertext) throws -> [UInt64] { try context.decode(try context.decrypt(ct, secretKey: sk)) }
}

func rotated(_ v: [UInt64], by k: Int) -> [UInt64] {
    let row = v.count / 2
    let s = ((k % row) + row) % row
    return (0..<v.count).map { i in i < row ? v[(i + s) % row] : v[row + (i - row + s) % row] }
}

@Suite struct BFVOperationTests {
    @Test(arguments: [BFVParameters.insecureN256, .insecureN512, .insecureN1024, .insecureN512Special])
    func everyOperationMatchesPlaintext(parameters: BFVParameters) throws {
        var f = try Fixture(parameters, seed: UInt64(parameters.polyDegree))
        let t = f.t
        let a = f.randomSlots(), b = f.randomSlots(), c = f.randomSlots()
        let ca = try f.encrypt(a), cb = try f.encrypt(b, secret: true)
        #expect(try f.decrypt(ca) == a)
        #expect(try f.decrypt(cb) == b)
        #expect(try f.decrypt(f.context.add(ca, cb)) == zip(a, b).map { ($0 + $1) % t })
        #expect(try f.decrypt(f.context.subtract(ca, cb)) == zip(a, b).map { ($0 + t - $1) % t })
        #expect(try f.decrypt(f.context.negate(ca)) == a.map { (t - $0) % t })
        let pc = try f.context.encode(c)
        #expect(try f.decrypt(f.context.add(ca, pc)) == zip(a, c).map { ($0 + $1) % t })
        #expect(try f.decrypt(f.context.subtract(ca, pc)) == zip(a, c).map { ($0 + t - $1) % t })
        #expect(try f.decrypt(f.context.multiply(ca, pc)) == zip(a, c).map { ($0 * $1) % t })
        let product = zip(a, b).map { ($0 * $1) % t }
        let raw = try f.context.multiply(ca, cb)
        #expect(raw.size == 3)
        #expect(try f.decrypt(raw) == product)
        let relin = try f.context.relinearize(raw, key: f.rk)
        #expect(relin.size == 2)
        #expect(try f.decrypt(relin) == product)
        #expect(try f.decrypt(f.context.rotateRows(ca, by: 1, keys: f.gk)) == rotated(a, by: 1))
        #expect(try f.decrypt(f.context.rotateRows(ca, by: -3, keys: f.gk)) == rotated(a, by: -3))
        #expect(try f.decrypt(f.context.rotateRows(relin, by: 1, keys: f.gk)) == rotated(product, by: 1))
        let row = f.n / 2
        #expect(try f.decrypt(f.context.swapRows(ca, keys: f.gk)) == Array(a[row...] + a[..<row]))
        #expect(throws: BFVError.missingGaloisKey(element: f.context.galoisElement(rotatingRowsBy: 2))) {
            try f.context.rotateRows(ca, by: 2, keys: f.gk)
        }
        // Modulus switching keeps the plaintext down to one prime; mixed levels are rejected.
        var switched = relin
        while switched.level > 1 {
            switched = try f.context.modSwitchToNext(switched)
            #expect(try f.decrypt(switched) == product)
        }
        #expect(throws: BFVError.levelExhausted) { try f.context.modSwitchToNext(switched) }
        #expect(throws: BFVError.self) { try f.context.add(switched, ca) }
        // Signed encoding.
        let signed: [Int64] = (0..<f.n).map { Int64($0 % 11) - 5 }
        #expect(try f.context.decodeSigned(try f.context.decrypt(f.context.encrypt(f.context.encode(signed: signed),
                                                                                  publicKey: f.pk), secretKey: f.sk)) == signed)
    }

    @Test func noiseBudgetShrinksButStaysPositive() throws {
        var f = try Fixture(.insecureN1024, seed: 11)
        let a = f.randomSlots()
        let ca = try f.encrypt(a)
        let fresh = try f.context.noiseBudget(ca, secretKey: f.sk)
        let product = try f.context.multiplyRelinearize(ca, ca, key: f.rk)
        let after = try f.context.noiseBudget(product, secretKey: f.sk)
        let rotatedBudget = try f.context.noiseBudget(f.context.rotateRows(product, by: 1, keys: f.gk), secretKey: f.sk)
        #expect(fresh > after && after >= rotatedBudget - 1)
        #expect(rotatedBudget > 5)
        // Exhaust the budget by repeated squaring: decryption then differs (garbage, not an error).
        var x = ca
        var expected = a
        let t = f.t
        while try f.context.noiseBudget(x, secretKey: f.sk) > 0 {
            x = try f.context.multiplyRelinearize(x, x, key: f.rk)
            expected = expected.map { ($0 * $0) % t }
        }
        #expect(try f.decrypt(x) != expected)
    }

    /// Hybrid key switching (special prime `P`): the switch adds about `sum_i d_i e_i / P`, a few bits, where the
    /// RNS gadget alone (same N, same primes' sizes) adds `sum_i d_i e_i`, about `q_i sqrt(N)`.
    @Test func hybridKeySwitchingCostsAtMostTwoBits() throws {
        var f = try Fixture(.insecureN512Special, seed: 512)
        #expect(f.context.moduli.count == 2 && f.context.keyModuli.count == 3)
        let t = f.t
        let a = f.randomSlots(), b = f.randomSlots()
        let ca = try f.encrypt(a), cb = try f.encrypt(b)
        #expect(ca.level == 2)
        let fresh = try f.context.noiseBudget(ca, secretKey: f.sk)
        let rotatedOnce = try f.context.rotateRows(ca, by: 1, keys: f.gk)
        #expect(try f.decrypt(rotatedOnce) == rotated(a, by: 1))
        let afterRotation = try f.context.noiseBudget(rotatedOnce, secretKey: f.sk)
        #expect(afterRotation >= fresh - 2, "rotation: \(fresh) -> \(afterRotation) bits")
        let raw = try f.context.multiply(ca, cb)
        let product = zip(a, b).map { ($0 * $1) % t }
        let rawBudget = try f.context.noiseBudget(raw, secretKey: f.sk)
        let relinearized = try f.context.relinearize(raw, key: f.rk)
        let fused = try f.context.multiplyRelinearize(ca, cb, key: f.rk)
        #expect(try f.decrypt(relinearized) == product)
        #expect(try f.decrypt(fused) == product)
        #expect(try f.context.noiseBudget(relinearized, secretKey: f.sk) >= rawBudget - 2)
        #expect(try f.context.noiseBudget(fused, secretKey: f.sk) >= rawBudget - 2)
        // A chain: rotate the product, multiply again, rotate back.
        let chained = try f.context.rotateRows(
            f.context.multiplyRelinearize(f.context.rotateRows(fused, by: -3, keys: f.gk), ca, key: f.rk), by: 1, keys: f.gk)
        #expect(try f.decrypt(chained) == rotated(zip(rotated(product, by: -3), a).map { ($0 * $1) % t }, by: 1))
        #expect(try f.context.noiseBudget(chained, secretKey: f.sk) > 0)

        // The RNS gadget without a special prime loses far more per switch.
        var g = try Fixture(.insecureN512, seed: 513)
        let cg = try g.encrypt(g.randomSlots())
        let gadgetFresh = try g.context.noiseBudget(cg, secretKey: g.sk)
        let gadgetRotated = try g.context.noiseBudget(g.context.rotateRows(cg, by: 1, keys: g.gk), secretKey: g.sk)
        #expect(gadgetFresh - gadgetRotated > 20, "RNS gadget rotation: \(gadgetFresh) -> \(gadgetRotated) bits")
    }

    @Test func wrongKeyGivesGarbageNotError() throws {
        var f = try Fixture(.insecureN256, seed: 3)
        var g = try Fixture(.insecureN256, seed: 4)
        let a = f.randomSlots()
        let ca = try f.encrypt(a)
        let garbage = try g.decrypt(ca)
        #expect(garbage != a)
        // Roughly uniform: few slots agree by chance.
        #expect(zip(garbage, a).filter { $0 == $1 }.count < 5)
        _ = g.randomSlots()
    }

    @Test func secureSetN8192MultiplyRotate() throws {
        var f = try Fixture(.n8192, seed: 8192, rotations: [1])
        let a = f.randomSlots(), b = f.randomSlots()
        let ca = try f.encrypt(a), cb = try f.encrypt(b, secret: true)
        let t = f.t
        let product = try f.context.multiplyRelinearize(ca, cb, key: f.rk)
        #expect(try f.decrypt(product) == zip(a, b).map { ($0 * $1) % t })
        let rot = try f.context.rotateRows(product, by: 1, keys: f.gk)
        #expect(try f.decrypt(rot) == rotated(zip(a, b).map { ($0 * $1) % t }, by: 1))
        let budget = try f.context.noiseBudget(rot, secretKey: f.sk)
        print("n8192 budget after multiply + relinearise + rotate:", budget)
        #expect(budget >= 40)
    }

    @Test func parameterSetsAreSecureOrMarkedInsecure() throws {
        for set in BFVParameters.all {
            #expect(set.isSecure == !set.name.hasPrefix("insecure"), "\(set)")
            // SIMD batching needs t = 1 mod 2N; the t = 257 sets use coefficient encoding only.
            #expect(set.supportsBatching == (set.plainModulus == 65537), "\(set)")
            #expect(set.supportsBatching == !["n4096hamming", "n4096expand", "insecureN256SmallT", "insecureN256Expand"]
                .contains(set.name), "\(set)")
        }
        #expect(BFVParameters.n4096.coefficientModulusBits <= 109)
        #expect(BFVParameters.n8192.coefficientModulusBits <= 218)
        #expect(BFVParameters.n16384.coefficientModulusBits <= 438)
        #expect(throws: BFVError.unknownParameterSet("n123")) { try BFVParameters.named("n123") }
        #expect(throws: BFVError.self) {
            try BFVParameters(name: "bad", polyDegree: 256, plainModulus: 65537, coefficientModuli: [1_000_003])
        }
        #expect(throws: BFVError.self) {
            try BFVParameters(name: "bad", polyDegree: 300, plainModulus: 65537, coefficientModuli: [])
        }
        // At most one special prime, and at least one data prime besides it.
        let three = BFVParameters.insecureN512.coefficientModuli
        #expect(throws: BFVError.self) {
            try BFVParameters(name: "bad", polyDegree: 512, plainModulus: 65537, coefficientModuli: three, specialPrimeCount: 2)
        }
        #expect(throws: BFVError.self) {
            try BFVParameters(name: "bad", polyDegree: 512, plainModulus: 65537, coefficientModuli: [three[0]],
                              specialPrimeCount: 1)
        }
        let special = try BFVParameters(name: "ok", polyDegree: 512, plainModulus: 65537, coefficientModuli: three,
                                        specialPrimeCount: 1)
        #expect(special.limbCount == 2 && special.specialModulus == three[2] && special.dataModuli == Array(three.prefix(2)))
    }
}
