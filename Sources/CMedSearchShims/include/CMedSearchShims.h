#pragma once
#include <stddef.h>

/// Overwrites `count` bytes at `pointer` with zeros in a way the compiler may not elide.
void medsearch_zeroize(void *pointer, size_t count);

/// Fills `count` bytes at `buffer` from the kernel's CSPRNG (getrandom(2), blocking until it is seeded), retrying
/// short reads and EINTR. Returns 0, or the errno value of a failed call.
int medsearch_getrandom(void *buffer, size_t count);

/// Compares two buffers in time that depends only on `count`. Returns 0 when equal.
int medsearch_constant_time_compare(const void *a, const void *b, size_t count);

#include <stdint.h>

/// GF(2^8) region multiply-accumulate with split-nibble tables (the inner loop of Reed-Solomon dispersal).
///
/// For each j in 0..<sourceCount, with `tables + 32 * j` holding `c_j * i` for i = 0..15 (16 bytes) followed by
/// `c_j * (i << 4)` for i = 0..15 (16 bytes), computes `destination[x] = (accumulate ? destination[x] : 0) XOR
/// sum_j c_j * sources[j][x]` for x in 0..<count. Any field polynomial works: multiplication by a constant is
/// linear over GF(2), so the product of a byte is the XOR of the products of its two nibbles. Uses AVX2 (32 bytes
/// per step) when the CPU has it, else SSSE3, else a portable byte loop; the result does not depend on the path.
/// Table lookups depend on the data: do not use on secret bytes where cache timing matters.
void medsearch_gf256_dot(const uint8_t *tables, const uint8_t *const *sources, size_t sourceCount,
                         uint8_t *destination, size_t count, int accumulate);

/// Which path `medsearch_gf256_dot` takes on this CPU: 2 = AVX2, 1 = SSSE3, 0 = portable.
int medsearch_gf256_path(void);

/// `medsearch_gf256_dot` on the portable byte loop only (tests compare it with the vector paths).
void medsearch_gf256_dot_portable(const uint8_t *tables, const uint8_t *const *sources, size_t sourceCount,
                                  uint8_t *destination, size_t count, int accumulate);

/// Adds to `actions` (a `posix_spawn_file_actions_t *`) the closing in the child of every file descriptor from
/// `lowest` up (glibc's posix_spawn_file_actions_addclosefrom_np). A spawned child must not inherit this process's
/// sockets: SwiftNIO opens them without close-on-exec, so a child would keep a listening port of this process bound
/// (and its connections open) for as long as it lives. Returns 0 or an errno value.
int medsearch_spawn_close_from(void *actions, int lowest);
