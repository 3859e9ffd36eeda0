import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier
import Testing
import _MedSearchTestSupport

/// Fixed values of every Paillier format (a 512-bit key from a fixed seed), pinned by golden bytes.
enum PaillierGolden {
    static let secretKey: PaillierPrivateKey = {
        var rng = SeededRandomNumberGenerator(seed: 0x601D_E2)
        return PaillierPrivateKey.generateInsecure(bits: 512, using: &rng)
    }()
    static var publicKey: PaillierPublicKey { secretKey.publicKey }
    static let ciphertext: PaillierCiphertext = {
        var rng = SeededRandomNumberGenerator(seed: 0x601D_E3)
        return secretKey.publicKey.encrypt(BigInt(123_456), using: &rng)
    }()

    static var samples: [GoldenSample] {
        let pk = publicKey
        return [
            GoldenSample(pk),
            GoldenSample(secretKey),
            GoldenSample(ciphertext, context: pk),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct PaillierGoldenTests {
    @Test(arguments: PaillierGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(PaillierGolden.samples) }
}
