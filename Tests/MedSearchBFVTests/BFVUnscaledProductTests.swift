import MedSearchBFV
import MedSearchCore
import Testing
import _MedSearchTestSupport

/// The negacyclic product of two small centred plaintext polynomials, reduced modulo `t` (schoolbook reference).
func negacyclicProduct(_ a: [Int64], _ b: [Int64], t: UInt64) -> [UInt64] {
    let n = a.count
    var out = [Int64](repeating: 0, count: n)
    for i in 0..<n where a[i] != 0 {
        for j in 0..<n where b[j] != 0 {
            let k = i + j
            if k < n { out[k] += a[i] * b[j] } else { out[k - n] -= a[i] * b[j] }
        }
    }
    let tt = Int64(t)
    return out.map { UInt64((($0 % tt) + tt) % tt) }
}

@Suite struct BFVUnscaledProductTests {
    /// Small centred plaintexts (values in -limit...limit) and their encodings modulo t.
    func plaintext(_ context: BFVContext, values: [Int64]) throws -> BFVPlaintext {
        let t = context.parameters.plainModulus
        return try context.encodeCoefficients(values.map { $0 >= 0 ? UInt64($0) : t - UInt64(-$0) })
    }

    @Test(arguments: [BFVParameters.insecureN256, .insecureN512, .n4096single])
    func unscaledProductDecryptsToThePlaintextProduct(parameters: BFVParameters) throws {
        var rng = seededGenerator(UInt64(parameters.polyDegree) &+ 7)
        let context = try BFVContext.cached(parameters)
        let sk = context.generateSecretKey(using: &rng)
        let pk = context.generatePublicKey(secretKey: sk, using: &rng)
        let n = context.degree
        let t = parameters.plainModulus
        // A dense +-1 polynomial (like a block of hashcodes) and a sparse small one (like a query).
        let h = (0..<n).map { _ in Bool.random(using: &rng) ? Int64(1) : -1 }
        let q = (0..<n).map { i in i < 40 ? Int64.random(in: -3...3, using: &rng) : 0 }
        let expected = negacyclicProduct(h, q, t: t)
        let stored = try context.encrypt(plaintext(context, values: h), publicKey: pk, using: &rng)
        let query = try context.encryptUnscaled(plaintext(context, values: q), secretKey: sk, using: &rng)
        // Generic path: a three-polynomial BFV ciphertext of the product.
        let product = try context.multiplyUnscaled(stored, query)
        #expect(product.size == 3)
        #expect(try context.decrypt(product, secretKey: sk).coefficients == expected)
        // Prepared path with re-randomisation, then modulus switching down to one prime and to 2^k.
        let multiplier = try context.prepareUnscaledMultiplier(query)
        let operand = try context.transformToNTT(stored)
        let rerandomized = try context.multiply(operand, by: multiplier, rerandomizingWith: pk, using: &rng)
        #expect(rerandomized.polys[0] != product.polys[0] && rerandomized.polys[2] == product.polys[2])
        let low = try context.modSwitch(rerandomized, toLevel: 1)
        #expect(try context.decrypt(low, secretKey: sk).coefficients == expected)
        let switched = try context.switchToPowerOfTwo(low, bits: 40)
        let decryptor = try BFVPowerOfTwoDecryptor(context: context, secretKey: sk)
        let positions = Array(0..<n)
        #expect(try decryptor.decrypt(switched, positions: positions) == expected)
        let budget = try decryptor.noiseBudget(switched, positions: positions)
        print("unscaled product at 2^40 (\(parameters.name)): budget \(budget) bits")
        #expect(budget >= 8)
        // Sparse first polynomial: only the chosen coefficients can be decrypted, and they decrypt correctly.
        let chosen = [0, 5, n - 1]
        var sparse = switched
        sparse.polys[0] = chosen.map { switched.polys[0][$0] }
        #expect(try decryptor.decrypt(sparse, positions: chosen) == chosen.map { expected[$0] })
        // A wrong key gives garbage, not an error.
        let other = try BFVPowerOfTwoDecryptor(context: context, secretKey: context.generateSecretKey(using: &rng))
        #expect(try other.decrypt(switched, positions: positions) != expected)
    }

    @Test func unscaledEncryptionIsSeededAndChecked() throws {
        var rng = seededGenerator(31)
        let context = try BFVContext.cached(.insecureN256)
        let sk = context.generateSecretKey(using: &rng)
        let ct = try context.encryptUnscaled(plaintext(context, values: [1, -1, 2]), secretKey: sk, using: &rng)
        let bytes = ct.serialized(context: context)
        #expect(try BFVCiphertext(serialized: bytes, context: context) == ct)
        let full = try context.multiplyUnscaled(ct, ct) // shapes are fine; decrypting this would be meaningless
        #expect(full.size == 3)
        let wrongSet = try BFVContext.cached(.insecureN512)
        #expect(throws: BFVError.self) { try wrongSet.transformToNTT(ct) }
        // Operands prepared by another context are rejected, not read out of bounds.
        let operand = try context.transformToNTT(ct), multiplier = try context.prepareUnscaledMultiplier(ct)
        var unused = seededGenerator(1)
        #expect(throws: BFVError.self) { try wrongSet.multiply(operand, by: multiplier, rerandomizingWith: nil, using: &unused) }
        #expect(throws: BFVError.self) { try context.switchToPowerOfTwo(ct, bits: 40) } // level 2: switch down first
        let low = try context.modSwitch(ct, toLevel: 1)
        #expect(throws: BFVError.self) { try context.switchToPowerOfTwo(low, bits: 60) }
        #expect(throws: BFVError.self) { try context.switchToPowerOfTwo(low, bits: 10) }
        let decryptor = try BFVPowerOfTwoDecryptor(context: context, secretKey: sk)
        let switched = try context.switchToPowerOfTwo(low, bits: 40)
        #expect(throws: BFVError.self) { try decryptor.decrypt(switched, positions: [context.degree]) }
    }
}
