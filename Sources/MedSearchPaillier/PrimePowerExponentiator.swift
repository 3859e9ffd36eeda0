import COpenSSL
import MedSearchBigInt
import MedSearchCore

/// `base^exponent mod modulus` for one fixed secret exponent and odd modulus (CRT decryption's
/// `c^(p-1) mod p^2`), in constant time with respect to the exponent and the base.
///
/// The work is done by OpenSSL 3's `BN_mod_exp_mont_consttime` (Debian's libcrypto through the `COpenSSL`
/// system-library target), the exponentiation behind OpenSSL's RSA private-key operation: a fixed window,
/// precomputed powers read with a constant-time gather, Montgomery multiplication in MULX/ADX assembly, and a
/// Montgomery context built once per key. Measured on this machine it is faster than GMP's `mpz_powm_sec` and
/// than GMP's variable-time `mpz_powm` for a 2048-bit modulus and 1024-bit exponent (docs/crypto.md). The
/// exponent and modulus are held as BIGNUMs freed with `BN_clear_free`; the Montgomery context clears its copy of
/// the modulus when freed; the byte buffers that move values between GMP and OpenSSL are wiped here.
final class PrimePowerExponentiator: @unchecked Sendable {
    // @unchecked Sendable: every stored property is written once in init and only read afterwards;
    // BN_mod_exp_mont_consttime takes the modulus, exponent and Montgomery context as const and each call uses
    // its own BN_CTX, so concurrent calls are safe.
    private let modulus: BigInt
    private let byteCount: Int
    private let bnModulus: OpaquePointer
    private let bnExponent: OpaquePointer
    private let montgomery: OpaquePointer

    /// What runs the exponentiation: the linked OpenSSL's version and the function, checked by a test.
    static var engine: String {
        "\(String(cString: medsearch_openssl_version())), BN_mod_exp_mont_consttime"
    }

    /// - Precondition: `modulus` odd and > 1, `exponent` > 0 (the private key passes `p^2` and `p - 1`).
    init(modulus: BigInt, exponent: BigInt) {
        precondition(modulus.isOdd && modulus.compare(to: 1) > 0 && exponent.signum > 0)
        self.modulus = modulus
        self.byteCount = modulus.byteCount
        func bignum(_ value: BigInt) -> OpaquePointer {
            var bytes = value.magnitudeBytes()
            defer { constantTimeWipe(&bytes) }
            return Self.allocated(medsearch_bn_secret(bytes, bytes.count))
        }
        bnModulus = bignum(modulus)
        bnExponent = bignum(exponent)
        montgomery = Self.allocated(medsearch_mont_new(bnModulus))
    }

    deinit {
        medsearch_bn_free_secret(bnModulus)
        medsearch_bn_free_secret(bnExponent)
        medsearch_mont_free(montgomery)
    }

    /// `base^exponent mod modulus` for `0 <= base < modulus`, marked secret.
    func power(_ base: BigInt) -> BigInt {
        precondition(base.signum >= 0 && base < modulus, "the base must be reduced")
        var input = base.magnitudeBytes()
        defer { constantTimeWipe(&input) }
        var output = [UInt8](repeating: 0, count: byteCount)
        defer { constantTimeWipe(&output) }
        let ok = medsearch_mod_exp_consttime(input, input.count, bnExponent, bnModulus, montgomery, &output, byteCount)
        // For valid arguments (checked above) OpenSSL fails only when it cannot allocate.
        guard ok == 1 else { fatalError("OpenSSL BN_mod_exp_mont_consttime failed: out of memory") }
        var result = BigInt(magnitudeBytes: output)
        result.markSecret()
        return result
    }

    /// An OpenSSL allocation that succeeded; OpenSSL returns NULL only when memory runs out, where Swift's own
    /// allocations trap too.
    private static func allocated(_ pointer: OpaquePointer?) -> OpaquePointer {
        guard let pointer else { fatalError("OpenSSL could not allocate a big number: out of memory") }
        return pointer
    }
}
