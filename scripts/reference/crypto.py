#!/usr/bin/env python3
"""Reference timings for `medsearch bench crypto`: python-paillier (phe) with gmpy2, and raw GMP via gmpy2.

Prints one JSON object on stdout. Every figure is the median of --rounds rounds after one warm-up, in ms.
Usage: scripts/reference/python.sh scripts/reference/crypto.py [--rounds N] [--bits 2048]
"""
import argparse
import json
import random
import statistics
import sys
import time


CPU_TIMES = {}


def median_ms(rounds, body, warmup=1, name=None):
    """Median wall-clock ms; the median thread CPU time is kept in CPU_TIMES[name] (robust to a loaded machine)."""
    for _ in range(warmup):
        body()
    samples, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.thread_time()
        body()
        cpu.append((time.thread_time() - start_cpu) * 1000.0)
        samples.append((time.perf_counter() - start) * 1000.0)
    if name:
        CPU_TIMES[name] = statistics.median(cpu)
    return statistics.median(samples), samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bits", type=int, default=2048)
    parser.add_argument("--keygen-rounds", type=int, default=3)
    args = parser.parse_args()
    try:
        import gmpy2
        import phe
        import phe.util
    except ImportError as error:
        print(json.dumps({"error": f"missing package: {error}"}))
        return 0

    out = {"phe_version": phe.__version__, "gmpy2_version": gmpy2.version(), "have_gmp": bool(phe.util.HAVE_GMP),
           "python": sys.version.split()[0], "rounds": args.rounds, "bits": args.bits}
    rng = random.SystemRandom()

    keygen, _ = median_ms(args.keygen_rounds, lambda: phe.generate_paillier_keypair(n_length=args.bits), warmup=0)
    out["paillier_keygen_ms"] = keygen
    public, private = phe.generate_paillier_keypair(n_length=args.bits)
    n, nsquare = public.n, public.nsquare

    m = rng.getrandbits(64)
    # phe's encrypt computes a fresh r^N mod N^2 (obfuscation) every time, like our encrypt without a pool.
    out["paillier_encrypt_ms"], _ = median_ms(args.rounds, lambda: public.encrypt(m), name="paillier_encrypt_ms")
    c = public.encrypt(m)
    decrypt_rounds = max(args.rounds, 21)
    out["paillier_decrypt_ms"], _ = median_ms(decrypt_rounds, lambda: private.decrypt(c), name="paillier_decrypt_ms")
    # One CRT half as phe computes it: powmod(c mod p^2, p - 1, p^2) (gmpy2, variable time).
    psquare = gmpy2.mpz(private.p) ** 2
    half_base, half_exponent = gmpy2.mpz(c.ciphertext(be_secure=False)) % psquare, gmpy2.mpz(private.p) - 1
    out["gmp_powmod_2048_1024_ms"], _ = median_ms(decrypt_rounds, lambda: gmpy2.powmod(half_base, half_exponent, psquare),
                                                  name="gmp_powmod_2048_1024_ms")
    scalar = rng.getrandbits(32)
    # EncryptedNumber * int is a raw powmod(c, k, N^2) (no re-obfuscation).
    out["paillier_scalar_multiply_32bit_ms"], _ = median_ms(max(args.rounds, 21), lambda: c * scalar, name="paillier_scalar_multiply_32bit_ms")
    c2 = public.encrypt(rng.getrandbits(64))
    out["paillier_add_ms"], _ = median_ms(max(args.rounds, 51), lambda: c + c2, name="paillier_add_ms")

    base = gmpy2.mpz(rng.getrandbits(2 * args.bits)) % nsquare
    exponent = gmpy2.mpz(rng.getrandbits(args.bits) | (1 << (args.bits - 1)))
    out["gmp_powmod_4096_2048_ms"], _ = median_ms(args.rounds, lambda: gmpy2.powmod(base, exponent, nsquare), name="gmp_powmod_4096_2048_ms")
    small = gmpy2.mpz(rng.getrandbits(32) | (1 << 31))
    out["gmp_powmod_4096_32_ms"], _ = median_ms(max(args.rounds, 21), lambda: gmpy2.powmod(base, small, nsquare), name="gmp_powmod_4096_32_ms")
    out["cpu_ms"] = CPU_TIMES
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
