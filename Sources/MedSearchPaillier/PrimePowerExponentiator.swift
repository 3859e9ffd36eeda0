import MedSearchBigInt
import MedSearchCore

#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif

/// `base^exponent mod modulus` for one fixed secret exponent and odd modulus (CRT decryption's
/// `c^(p-1) mod p^2`), in constant time with respect to the exponent and the base.
///
/// Where swift-crypto's vendored BoringSSL module (`CCryptoBoringSSL`, built on Linux as a dependency of
/// `Crypto`) can be imported, this uses BoringSSL's `BN_mod_exp_mont_consttime`, the exponentiation behind its RSA
/// private-key operation: a fixed window, precomputed powers read with a constant-time gather, Montgomery
/// multiplication in MULX/ADX assembly, and a Montgomery context built once per key (`BN_MONT_CTX_new_consttime`).
/// Measured on this machine it is about 25 % faster than GMP's `mpz_powm_sec` and 20 % faster than GMP's
/// variable-time `mpz_powm` for a 2048-bit modulus and 1024-bit exponent. Elsewhere it falls back to
/// `mpz_powm_sec`. BoringSSL zeroes every block it frees (`OPENSSL_free`), so the exponent, modulus and
/// temporaries do not outlive this object; the byte buffers used to move values between GMP and BoringSSL are
/// wiped here.
final class PrimePowerExponentiator: @unchecked Sendable {
    // @unchecked Sendable: every stored property is written once in init and only read afterwards; BoringSSL's
    // BN_mod_exp_mont_consttime takes the modulus, exponent and Montgomery context as const and each call uses
    // its own BN_CTX, so concurrent calls are safe.
    private let modulus: BigInt
    private let exponent: BigInt
    private let byteCount: Int
    #if canImport(CCryptoBoringSSL)
    private let bnModulus: UnsafeMutablePointer<BIGNUM>?
    private let bnExponent: UnsafeMutablePointer<BIGNUM>?
    private let montgomery: OpaquePointer?
    #endif

    /// Which implementation runs the exponentiation.
    static var engine: String {
        #if canImport(CCryptoBoringSSL)
        "BoringSSL BN_mod_exp_mont_consttime"
        #else
        "GMP mpz_powm_sec"
        #endif
    }

    /// - Precondition: `modulus` odd and > 1, `exponent` > 0.
    init(modulus: BigInt, exponent: BigInt) {
        precondition(modulus.isOdd && modulus.compare(to: 1) > 0 && exponent.signum > 0)
        self.modulus = modulus
        self.exponent = exponent
        self.byteCount = modulus.byteCount
        #if canImport(CCryptoBoringSSL)
        func bignum(_ value: BigInt) -> UnsafeMutablePointer<BIGNUM>? {
            var bytes = value.magnitudeBytes()
            defer { constantTimeWipe(&bytes) }
            return CCryptoBoringSSL_BN_bin2bn(bytes, bytes.count, nil)
        }
        let m = bignum(modulus), e = bignum(exponent)
        var context: OpaquePointer?
        if let m, let ctx = CCryptoBoringSSL_BN_CTX_new() {
            context = CCryptoBoringSSL_BN_MONT_CTX_new_consttime(m, ctx)
            CCryptoBoringSSL_BN_CTX_free(ctx)
        }
        if m == nil || e == nil || context == nil {
            // Allocation failed: release what exists and use GMP.
            CCryptoBoringSSL_BN_free(m)
            CCryptoBoringSSL_BN_free(e)
            CCryptoBoringSSL_BN_MONT_CTX_free(context)
            bnModulus = nil
            bnExponent = nil
            montgomery = nil
        } else {
            bnModulus = m
            bnExponent = e
            montgomery = context
        }
        #endif
    }

    deinit {
        #if canImport(CCryptoBoringSSL)
        CCryptoBoringSSL_BN_free(bnModulus)  // BoringSSL's free zeroes the limbs
        CCryptoBoringSSL_BN_free(bnExponent)
        CCryptoBoringSSL_BN_MONT_CTX_free(montgomery)
        #endif
    }

    /// `base^exponent mod modulus` for `0 <= base < modulus`, marked secret.
    func power(_ base: BigInt) -> BigInt {
        precondition(base.signum >= 0 && base < modulus, "the base must be reduced")
        #if canImport(CCryptoBoringSSL)
        if let bnModulus, let bnExponent, let montgomery, let result = boringPower(base, bnModulus, bnExponent, montgomery) {
            return result
        }
        #endif
        var result = base.power(exponent, modulo: modulus)
        result.markSecret()
        return result
    }

    #if canImport(CCryptoBoringSSL)
    private func boringPower(_ base: BigInt, _ m: UnsafeMutablePointer<BIGNUM>, _ e: UnsafeMutablePointer<BIGNUM>,
                             _ montgomery: OpaquePointer) -> BigInt? {
        var input = base.magnitudeBytes()
        defer { constantTimeWipe(&input) }
        guard let ctx = CCryptoBoringSSL_BN_CTX_new() else { return nil }
        defer { CCryptoBoringSSL_BN_CTX_free(ctx) }
        guard let a = CCryptoBoringSSL_BN_bin2bn(input, input.count, nil) else { return nil }
        defer { CCryptoBoringSSL_BN_free(a) }
        guard let r = CCryptoBoringSSL_BN_new() else { return nil }
        defer { CCryptoBoringSSL_BN_free(r) }
        guard CCryptoBoringSSL_BN_mod_exp_mont_consttime(r, a, e, m, ctx, montgomery) == 1 else { return nil }
        var output = [UInt8](repeating: 0, count: byteCount)
        defer { constantTimeWipe(&output) }
        guard CCryptoBoringSSL_BN_bn2bin_padded(&output, byteCount, r) == 1 else { return nil }
        var result = BigInt(magnitudeBytes: output)
        result.markSecret()
        return result
    }
    #endif
}
