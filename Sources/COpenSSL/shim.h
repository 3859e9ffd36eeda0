// Debian's OpenSSL 3 libcrypto (libssl-dev), for constant-time modular exponentiation with a Montgomery context
// (MedSearchPaillier.PrimePowerExponentiator). Only libcrypto is linked. The helpers below keep OpenSSL's int
// lengths, flags and error queue out of the Swift caller.
#pragma once

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/opensslv.h>

#if OPENSSL_VERSION_MAJOR < 3
#error "MedSearch needs OpenSSL 3 (Debian: libssl-dev)"
#endif

/// The linked libcrypto's version string, e.g. "OpenSSL 3.0.19 27 Jan 2026".
static inline const char *medsearch_openssl_version(void) {
    return OpenSSL_version(OPENSSL_VERSION);
}

/// A big-endian unsigned integer as a BIGNUM flagged constant time (BN_FLG_CONSTTIME), or NULL.
static inline BIGNUM *medsearch_bn_secret(const uint8_t *bytes, size_t length) {
    if (length > INT_MAX) return NULL;
    BIGNUM *value = BN_bin2bn(bytes, (int)length, NULL);
    if (value != NULL) BN_set_flags(value, BN_FLG_CONSTTIME);
    return value;
}

/// Zeroes a BIGNUM's limbs and frees it (NULL is ignored).
static inline void medsearch_bn_free_secret(BIGNUM *value) {
    BN_clear_free(value);
}

/// A Montgomery context for the odd `modulus`, or NULL.
static inline BN_MONT_CTX *medsearch_mont_new(const BIGNUM *modulus) {
    BN_CTX *scratch = BN_CTX_secure_new();
    BN_MONT_CTX *montgomery = BN_MONT_CTX_new();
    int ok = scratch != NULL && montgomery != NULL && BN_MONT_CTX_set(montgomery, modulus, scratch) == 1;
    BN_CTX_free(scratch);
    if (!ok) {
        BN_MONT_CTX_free(montgomery);
        montgomery = NULL;
    }
    ERR_clear_error();
    return montgomery;
}

/// Frees a Montgomery context; its copies of the modulus are zeroed (NULL is ignored).
static inline void medsearch_mont_free(BN_MONT_CTX *montgomery) {
    BN_MONT_CTX_free(montgomery);
}

/// `base^exponent mod modulus` by BN_mod_exp_mont_consttime (fixed window, constant-time table reads, Montgomery
/// multiplication in assembly) for `0 <= base < modulus`, written big-endian and zero-padded to `out_length`
/// bytes. The BIGNUM temporaries are zeroed when freed. `montgomery` must have been made for `modulus`; the
/// modulus, exponent and context are only read, so concurrent calls may share them. Returns 1 on success, 0 on
/// failure (allocation, or a result longer than `out_length`).
static inline int medsearch_mod_exp_consttime(const uint8_t *base, size_t base_length, const BIGNUM *exponent,
                                              const BIGNUM *modulus, BN_MONT_CTX *montgomery, uint8_t *out,
                                              size_t out_length) {
    if (out_length > INT_MAX) return 0;
    BN_CTX *scratch = BN_CTX_secure_new();
    BIGNUM *a = medsearch_bn_secret(base, base_length);
    BIGNUM *r = BN_new();
    int ok = scratch != NULL && a != NULL && r != NULL
        && BN_mod_exp_mont_consttime(r, a, exponent, modulus, scratch, montgomery) == 1
        && BN_bn2binpad(r, out, (int)out_length) == (int)out_length;
    BN_clear_free(a);
    BN_clear_free(r);
    BN_CTX_free(scratch);
    ERR_clear_error();
    return ok;
}
