#include "CMedSearchShims.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MEDSEARCH_X86 1
#endif

static void gf256_dot_portable(const uint8_t *tables, const uint8_t *const *sources, size_t k,
                               uint8_t *dst, size_t begin, size_t count, int accumulate) {
    for (size_t x = begin; x < count; x++) {
        uint8_t acc = accumulate ? dst[x] : 0;
        for (size_t j = 0; j < k; j++) {
            uint8_t v = sources[j][x];
            acc ^= tables[32 * j + (v & 15)] ^ tables[32 * j + 16 + (v >> 4)];
        }
        dst[x] = acc;
    }
}

#ifdef MEDSEARCH_X86
__attribute__((target("avx2")))
static size_t gf256_dot_avx2(const uint8_t *tables, const uint8_t *const *sources, size_t k,
                             uint8_t *dst, size_t count, int accumulate) {
    const __m256i mask = _mm256_set1_epi8(0x0f);
    size_t x = 0;
    if (k <= 8) {
        __m256i lo[8], hi[8];
        for (size_t j = 0; j < k; j++) {
            lo[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(tables + 32 * j)));
            hi[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(tables + 32 * j + 16)));
        }
        for (; x + 32 <= count; x += 32) {
            __m256i acc = accumulate ? _mm256_loadu_si256((const __m256i *)(dst + x)) : _mm256_setzero_si256();
            for (size_t j = 0; j < k; j++) {
                __m256i v = _mm256_loadu_si256((const __m256i *)(sources[j] + x));
                __m256i l = _mm256_shuffle_epi8(lo[j], _mm256_and_si256(v, mask));
                __m256i h = _mm256_shuffle_epi8(hi[j], _mm256_and_si256(_mm256_srli_epi64(v, 4), mask));
                acc = _mm256_xor_si256(acc, _mm256_xor_si256(l, h));
            }
            _mm256_storeu_si256((__m256i *)(dst + x), acc);
        }
    } else {
        for (; x + 32 <= count; x += 32) {
            __m256i acc = accumulate ? _mm256_loadu_si256((const __m256i *)(dst + x)) : _mm256_setzero_si256();
            for (size_t j = 0; j < k; j++) {
                __m256i lo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(tables + 32 * j)));
                __m256i hi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(tables + 32 * j + 16)));
                __m256i v = _mm256_loadu_si256((const __m256i *)(sources[j] + x));
                __m256i l = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, mask));
                __m256i h = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi64(v, 4), mask));
                acc = _mm256_xor_si256(acc, _mm256_xor_si256(l, h));
            }
            _mm256_storeu_si256((__m256i *)(dst + x), acc);
        }
    }
    return x;
}

__attribute__((target("ssse3")))
static size_t gf256_dot_ssse3(const uint8_t *tables, const uint8_t *const *sources, size_t k,
                              uint8_t *dst, size_t count, int accumulate) {
    const __m128i mask = _mm_set1_epi8(0x0f);
    size_t x = 0;
    for (; x + 16 <= count; x += 16) {
        __m128i acc = accumulate ? _mm_loadu_si128((const __m128i *)(dst + x)) : _mm_setzero_si128();
        for (size_t j = 0; j < k; j++) {
            __m128i lo = _mm_loadu_si128((const __m128i *)(tables + 32 * j));
            __m128i hi = _mm_loadu_si128((const __m128i *)(tables + 32 * j + 16));
            __m128i v = _mm_loadu_si128((const __m128i *)(sources[j] + x));
            __m128i l = _mm_shuffle_epi8(lo, _mm_and_si128(v, mask));
            __m128i h = _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi64(v, 4), mask));
            acc = _mm_xor_si128(acc, _mm_xor_si128(l, h));
        }
        _mm_storeu_si128((__m128i *)(dst + x), acc);
    }
    return x;
}
#endif

int medsearch_gf256_path(void) {
#ifdef MEDSEARCH_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) { return 2; }
    if (__builtin_cpu_supports("ssse3")) { return 1; }
#endif
    return 0;
}

void medsearch_gf256_dot_portable(const uint8_t *tables, const uint8_t *const *sources, size_t sourceCount,
                                  uint8_t *destination, size_t count, int accumulate) {
    if (sourceCount == 0) {
        if (!accumulate && count > 0) { memset(destination, 0, count); }
        return;
    }
    gf256_dot_portable(tables, sources, sourceCount, destination, 0, count, accumulate);
}

void medsearch_gf256_dot(const uint8_t *tables, const uint8_t *const *sources, size_t sourceCount,
                         uint8_t *destination, size_t count, int accumulate) {
    if (count == 0) { return; }
    if (sourceCount == 0) {
        if (!accumulate) { memset(destination, 0, count); }
        return;
    }
    size_t done = 0;
#ifdef MEDSEARCH_X86
    switch (medsearch_gf256_path()) {
    case 2: done = gf256_dot_avx2(tables, sources, sourceCount, destination, count, accumulate); break;
    case 1: done = gf256_dot_ssse3(tables, sources, sourceCount, destination, count, accumulate); break;
    default: break;
    }
#endif
    gf256_dot_portable(tables, sources, sourceCount, destination, done, count, accumulate);
}
