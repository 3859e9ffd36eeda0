// Debian's OpenSSL 3 libcrypto (libssl-dev), for constant-time modular exponentiation with a Montgomery context
// (MedSearchPaillier.PrimePowerExponentiator) and AES-256-GCM written straight into the caller's buffer
// (MedSearchSealing.AESGCMEngine). Only libcrypto is linked. The helpers below keep OpenSSL's int lengths, flags,
// contexts and error queue out of the Swift caller.
#pragma once

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
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


/// Zeroes `length` bytes in a way the compiler may not remove (NULL or 0 is ignored).
static inline void medsearch_cleanse(void *bytes, size_t length) {
    if (bytes != NULL && length > 0) OPENSSL_cleanse(bytes, length);
}

/// Feeds `length` bytes to an AES-GCM context in pieces that fit OpenSSL's int lengths: associated data when
/// `out` is NULL, else plaintext or ciphertext transformed into `out`. Returns 1 on success, 0 on failure.
static inline int medsearch_gcm_update(EVP_CIPHER_CTX *context, int encrypt, uint8_t *out, const uint8_t *in,
                                       size_t length) {
    const size_t piece = (size_t)1 << 30;
    while (length > 0) {
        int step = (int)(length < piece ? length : piece), written = 0;
        int ok = encrypt ? EVP_EncryptUpdate(context, out, &written, in, step)
                         : EVP_DecryptUpdate(context, out, &written, in, step);
        if (ok != 1 || (out != NULL && written != step)) return 0;
        in += step;
        if (out != NULL) out += step;
        length -= (size_t)step;
    }
    return 1;
}

/// A context for AES-256-GCM with a 12-byte nonce, keyed, with `ad` absorbed, or NULL. The context's key
/// schedule and GHASH key are zeroed when it is freed (EVP_CIPHER_CTX_free).
static inline EVP_CIPHER_CTX *medsearch_gcm_context(int encrypt, const uint8_t *key, const uint8_t *nonce,
                                                    const uint8_t *ad, size_t ad_length) {
    EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
    int ok = context != NULL
        && EVP_CipherInit_ex(context, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) == 1
        && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1
        && EVP_CipherInit_ex(context, NULL, NULL, key, nonce, encrypt) == 1
        && medsearch_gcm_update(context, encrypt, NULL, ad, ad_length);
    if (!ok) {
        EVP_CIPHER_CTX_free(context);
        context = NULL;
    }
    return context;
}

/// AES-256-GCM encryption of `length` bytes from `in` into `out` (the same length; the buffers may be the same
/// but must not otherwise overlap) and the 16-byte tag into `tag`, with a 32-byte key and a 12-byte nonce.
/// Returns 1 on success, 0 on failure.
static inline int medsearch_aes256gcm_seal(const uint8_t *key, const uint8_t *nonce, const uint8_t *ad,
                                           size_t ad_length, const uint8_t *in, size_t length, uint8_t *out,
                                           uint8_t *tag) {
    EVP_CIPHER_CTX *context = medsearch_gcm_context(1, key, nonce, ad, ad_length);
    int final_length = 0;
    int ok = context != NULL
        && medsearch_gcm_update(context, 1, out, in, length)
        && EVP_EncryptFinal_ex(context, out + length, &final_length) == 1 && final_length == 0
        && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(context);
    ERR_clear_error();
    return ok;
}

/// AES-256-GCM decryption of `length` bytes from `in` into `out`, checking the 16-byte `tag` (constant time).
/// Returns 1 when the tag matches, 0 otherwise; on 0 `out` is zeroed, so no unauthenticated plaintext is left.
static inline int medsearch_aes256gcm_open(const uint8_t *key, const uint8_t *nonce, const uint8_t *ad,
                                           size_t ad_length, const uint8_t *in, size_t length, const uint8_t *tag,
                                           uint8_t *out) {
    uint8_t expected[16];
    for (int i = 0; i < 16; i++) expected[i] = tag[i];
    EVP_CIPHER_CTX *context = medsearch_gcm_context(0, key, nonce, ad, ad_length);
    int final_length = 0;
    int ok = context != NULL
        && medsearch_gcm_update(context, 0, out, in, length)
        && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, expected) == 1
        && EVP_DecryptFinal_ex(context, out + length, &final_length) > 0 && final_length == 0;
    EVP_CIPHER_CTX_free(context);
    ERR_clear_error();
    if (!ok) medsearch_cleanse(out, length);
    return ok;
}
