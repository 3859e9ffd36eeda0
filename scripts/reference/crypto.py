#!/usr/bin/env python3
"""Reference timings for `medsearch bench crypto`: python-paillier (phe) with gmpy2, and raw GMP via gmpy2.

Prints one JSON object (see common.py). Every figure is per operation, after one warm-up (key generation: none).
Usage: scripts/reference/python.sh scripts/reference/crypto.py [--rounds N] [--bits 2048] [--keygen-rounds N]
"""
import argparse
import random
import sys

from common import Figures, emit, import_packages, python_version


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bits", type=int, default=2048)
    parser.add_argument("--keygen-rounds", type=int, default=3)
    args = parser.parse_args()
    packages = import_packages("gmpy2", "phe", "phe.util")
    if packages is None:
        return 0
    gmpy2, phe, _ = packages

    figures = Figures()
    rng = random.SystemRandom()

    figures.time("paillier_keygen", lambda: phe.generate_paillier_keypair(n_length=args.bits), args.keygen_rounds,
                 warmup=0)
    public, private = phe.generate_paillier_keypair(n_length=args.bits)
    nsquare = public.nsquare

    m = rng.getrandbits(64)
    # phe's encrypt computes a fresh r^N mod N^2 (obfuscation) every time, like our encrypt without a pool.
    figures.time("paillier_encrypt", lambda: public.encrypt(m), args.rounds)
    c = public.encrypt(m)
    decrypt_rounds = max(args.rounds, 21)
    figures.time("paillier_decrypt", lambda: private.decrypt(c), decrypt_rounds)
    # One CRT half as phe computes it: powmod(c mod p^2, p - 1, p^2) (gmpy2, variable time).
    psquare = gmpy2.mpz(private.p) ** 2
    half_base, half_exponent = gmpy2.mpz(c.ciphertext(be_secure=False)) % psquare, gmpy2.mpz(private.p) - 1
    figures.time("gmp_powmod_2048_1024", lambda: gmpy2.powmod(half_base, half_exponent, psquare), decrypt_rounds)
    scalar = rng.getrandbits(32)
    # EncryptedNumber * int is a raw powmod(c, k, N^2) (no re-obfuscation).
    figures.time("paillier_scalar_multiply_32bit", lambda: c * scalar, max(args.rounds, 21))
    c2 = public.encrypt(rng.getrandbits(64))
    figures.time("paillier_add", lambda: c + c2, max(args.rounds, 51))

    base = gmpy2.mpz(rng.getrandbits(2 * args.bits)) % nsquare
    exponent = gmpy2.mpz(rng.getrandbits(args.bits) | (1 << (args.bits - 1)))
    figures.time("gmp_powmod_4096_2048", lambda: gmpy2.powmod(base, exponent, nsquare), args.rounds)
    small = gmpy2.mpz(rng.getrandbits(32) | (1 << 31))
    figures.time("gmp_powmod_4096_32", lambda: gmpy2.powmod(base, small, nsquare), max(args.rounds, 21))

    emit(f"python-paillier {phe.__version__} with gmpy2 {gmpy2.version()}",
         {"python": python_version(), "phe": phe.__version__, "gmpy2": str(gmpy2.version())},
         figures, flags={"have_gmp": bool(phe.util.HAVE_GMP)}, counts={"bits": args.bits})
    return 0


if __name__ == "__main__":
    sys.exit(main())
