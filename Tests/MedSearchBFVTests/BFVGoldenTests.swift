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

    static func sample<T: Sendable>(_ value: T, _ type: String, variant: String? = nil, magic: String,
                                    encode: @escaping @Sendable (BFVContext, T) -> [UInt8],
                                    decode: @escaping @Sendable (BFVContext, [UInt8]) throws -> T) -> GoldenSample {
        let context = values.context
        return .functions(value, type: type, variant: variant, magic: magic, version: 1,
                          encode: { encode(context, $0) }, decode: { try decode(context, $0) })
    }

    static var samples: [GoldenSample] {
        let v = values
        return [
            sample(v.publicCiphertext, "BFVCiphertext", variant: "public", magic: "BFVC", encode: { $0.serialize($1) }, decode: { try $0.deserializeCiphertext($1) }),
            sample(v.seededCiphertext, "BFVCiphertext", variant: "seeded", magic: "BFVC", encode: { $0.serialize($1) }, decode: { try $0.deserializeCiphertext($1) }),
            sample(v.product, "BFVCiphertext", variant: "size3", magic: "BFVC", encode: { $0.serialize($1) }, decode: { try $0.deserializeCiphertext($1) }),
            sample(v.lowLevel, "BFVCiphertext", variant: "level1", magic: "BFVC", encode: { $0.serialize($1) }, decode: { try $0.deserializeCiphertext($1) }),
            sample(v.secretKey, "BFVSecretKey", magic: "BFVS", encode: { $0.serialize($1) }, decode: { try $0.deserializeSecretKey($1) }),
            sample(v.publicKey, "BFVPublicKey", magic: "BFVK", encode: { $0.serialize($1) }, decode: { try $0.deserializePublicKey($1) }),
            sample(v.relinearizationKey, "BFVRelinearizationKey", magic: "BFVR", encode: { $0.serialize($1) },
                   decode: { try $0.deserializeRelinearizationKey($1) }),
            sample(v.galoisKeys, "BFVGaloisKeys", magic: "BFVG", encode: { $0.serialize($1) }, decode: { try $0.deserializeGaloisKeys($1) }),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct BFVGoldenTests {
    @Test(arguments: BFVGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(BFVGolden.samples) }
}
