import MedSearchBFV
import MedSearchCore
import Testing
import _MedSearchTestSupport

/// Fixed values of every BFV format (the insecure N = 256 test set, keys and ciphertexts from fixed seeds),
/// pinned by golden bytes. Decoding needs the context of the parameter set.
enum BFVGolden {
    struct Values: Sendable {
        let context: BFVContext
        let secretKey: BFVSecretKey
        let publicKey: BFVPublicKey
        let relinearizationKey: BFVRelinearizationKey
        let galoisKeys: BFVGaloisKeys
        let publicCiphertext: BFVCiphertext
        let seededCiphertext: BFVCiphertext
        let product: BFVCiphertext
        let lowLevel: BFVCiphertext
    }

    static let values: Values = {
        let context = try! BFVContext.cached(.insecureN256)
        var rng = SeededRandomNumberGenerator(seed: 0xBF_601D)
        let sk = context.generateSecretKey(using: &rng)
        let pk = context.generatePublicKey(secretKey: sk, using: &rng)
        let rk = context.generateRelinearizationKey(secretKey: sk, using: &rng)
        let gk = try! context.generateGaloisKeys(secretKey: sk, elements: [3], using: &rng)
        let plaintext = try! context.encode((0..<UInt64(context.degree)).map { $0 % 7 })
        let a = try! context.encrypt(plaintext, publicKey: pk, using: &rng)
        let b = try! context.encrypt(plaintext, secretKey: sk, using: &rng)
        return Values(context: context, secretKey: sk, publicKey: pk, relinearizationKey: rk, galoisKeys: gk,
                      publicCiphertext: a, seededCiphertext: b, product: try! context.multiply(a, b),
                      lowLevel: try! context.modSwitchToNext(a))
    }()

    static var samples: [GoldenSample] {
        let v = values
        let c = v.context
        return [
            GoldenSample(v.publicCiphertext, variant: "public", context: c),
            GoldenSample(v.seededCiphertext, variant: "seeded", context: c),
            GoldenSample(v.product, variant: "size3", context: c),
            GoldenSample(v.lowLevel, variant: "level1", context: c),
            GoldenSample(v.secretKey, context: c),
            GoldenSample(v.publicKey, context: c),
            GoldenSample(v.relinearizationKey, context: c),
            GoldenSample(v.galoisKeys, context: c),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct BFVGoldenTests {
    @Test(arguments: BFVGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(BFVGolden.samples) }
}
