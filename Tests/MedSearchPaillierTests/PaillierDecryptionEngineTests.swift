import MedSearchBigInt
import MedSearchCore
@testable import MedSearchPaillier
import Testing
import _MedSearchTestSupport

/// The constant-time exponentiation behind CRT decryption (OpenSSL) against GMP (the textbook comparison of whole
/// decryptions is in PaillierPropertyTests).
@Suite("Paillier decryption engine")
struct PaillierDecryptionEngineTests {
    @Test("the prime-power exponentiator equals GMP's mpz_powm_sec, including edge bases")
    func exponentiatorMatchesGMP() {
        var rng = seededGenerator(31)
        for bits in [256, 512, 1024] {
            let sk = PaillierPrivateKey.generateInsecure(bits: bits, using: &rng)
            for (prime, exponentiator) in [(sk.p, sk.pExponentiator), (sk.q, sk.qExponentiator)] {
                let modulus = prime * prime, exponent = prime - 1
                var bases = [BigInt(0), BigInt(1), BigInt(2), prime, modulus - 1, prime + 1]
                for _ in 0..<10 { bases.append(BigInt.random(below: modulus, using: &rng)) }
                for base in bases {
                    #expect(exponentiator.power(base) == base.power(exponent, modulo: modulus), "bits \(bits)")
                }
            }
        }
    }

    @Test("decryption runs on OpenSSL 3's constant-time Montgomery exponentiation")
    func implementation() {
        // The name is read from the linked libcrypto: another library, or another major version, fails here.
        let name = PaillierPrivateKey.decryptionExponentiation
        #expect(name.hasPrefix("OpenSSL 3."), "\(name)")
        #expect(name.hasSuffix(", BN_mod_exp_mont_consttime"), "\(name)")
    }
}
