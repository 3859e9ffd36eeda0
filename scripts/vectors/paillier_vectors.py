#!/usr/bin/env python3
"""Known-answer vectors for MedSearchPaillier, cross-checked against python-paillier (phe + gmpy2).

Two directions:

  generate  -> Tests/MedSearchPaillierTests/Vectors/phe_vectors.json
      keys (p, q), plaintexts, randomness r, and the ciphertexts phe produces (raw_encrypt with r given),
      plus homomorphic sums, differences, negations and scalar products computed by phe's EncryptedNumber;
      the Swift tests decrypt every ciphertext and recompute every encryption.

  verify    <- Tests/MedSearchPaillierTests/Vectors/swift_vectors.json
      ciphertexts produced by the Swift code (a test writes them once with a fixed seed when
      MEDSEARCH_WRITE_VECTORS=1); phe must decrypt each to the recorded plaintext, re-encrypting with the
      recorded r must give the same ciphertext, and the recorded homomorphic results must decrypt correctly.

Usage (from the repository root; needs `pip install phe gmpy2`):
  python3 scripts/vectors/paillier_vectors.py generate
  python3 scripts/vectors/paillier_vectors.py verify
The keys are test keys made from a fixed seed: insecure by construction, never use them for data.
"""
import json
import pathlib
import random
import sys

import gmpy2
import phe
import phe.util
from phe import EncryptedNumber, PaillierPrivateKey, PaillierPublicKey

ROOT = pathlib.Path(__file__).resolve().parents[2]
VECTORS = ROOT / "Tests" / "MedSearchPaillierTests" / "Vectors"
SEED = 20261122


def seeded_prime(rng, bits):
    """A prime of exactly `bits` bits with the two top bits set (so p*q has 2*bits bits)."""
    while True:
        start = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        p = int(gmpy2.next_prime(start))
        if p.bit_length() == bits and gmpy2.is_prime(p, 50):
            return p


def keypair(rng, bits):
    while True:
        p = seeded_prime(rng, bits // 2)
        q = seeded_prime(rng, bits // 2)
        if p != q and (p * q).bit_length() == bits:
            pub = PaillierPublicKey(p * q)
            return pub, PaillierPrivateKey(pub, p, q)


def random_unit(rng, n):
    while True:
        r = rng.randrange(1, n)
        if gmpy2.gcd(r, n) == 1:
            return r


def signed(priv, value):
    """phe's raw_decrypt gives 0..n-1; map to the signed range (-n/2, n/2]."""
    n = priv.public_key.n
    return value - n if value > n // 2 else value


def generate():
    if not phe.util.HAVE_GMP:
        sys.exit("gmpy2 is not active in phe; install gmpy2")
    rng = random.Random(SEED)
    keys = []
    for bits in (512, 1024, 2048):
        pub, priv = keypair(rng, bits)
        n = pub.n
        plaintexts = [0, 1, 2, 42, -1, -42, n // 2, -(n // 2) + 1, n - 1,
                      rng.getrandbits(32), rng.getrandbits(64), rng.getrandbits(bits - 8),
                      -rng.getrandbits(bits - 8)]
        encryptions = []
        for m in plaintexts:
            r = random_unit(rng, n)
            c = pub.raw_encrypt(m % n, r_value=r)
            assert priv.raw_decrypt(c) == m % n
            encryptions.append({"m": str(m), "r": str(r), "c": str(c)})
        additions, subtractions, negations, scalars, plain_additions = [], [], [], [], []
        for i in range(6):
            a, b = rng.getrandbits(bits // 2) - (1 << (bits // 2 - 1)), rng.getrandbits(bits // 2)
            ea = EncryptedNumber(pub, pub.raw_encrypt(a % n, r_value=random_unit(rng, n)))
            eb = EncryptedNumber(pub, pub.raw_encrypt(b % n, r_value=random_unit(rng, n)))
            s = ea + eb
            d = ea - eb
            additions.append({"c1": str(ea.ciphertext(be_secure=False)), "c2": str(eb.ciphertext(be_secure=False)),
                              "c": str(s.ciphertext(be_secure=False)), "m": str(a + b)})
            assert signed(priv, priv.raw_decrypt(s.ciphertext(be_secure=False))) == a + b
            subtractions.append({"c1": str(ea.ciphertext(be_secure=False)), "c2": str(eb.ciphertext(be_secure=False)),
                                 "c": str(d.ciphertext(be_secure=False)), "m": str(a - b)})
            neg = ea * -1
            negations.append({"c1": str(ea.ciphertext(be_secure=False)), "c": str(neg.ciphertext(be_secure=False)),
                              "m": str(-a)})
            k = [3, 2**32 - 5, -7, rng.getrandbits(32), -rng.getrandbits(32), 0][i]
            prod = ea * k
            scalars.append({"c1": str(ea.ciphertext(be_secure=False)), "k": str(k),
                            "c": str(prod.ciphertext(be_secure=False)), "m": str(k * a)})
            assert signed(priv, priv.raw_decrypt(prod.ciphertext(be_secure=False))) == k * a
            t = rng.getrandbits(40) - (1 << 39)
            pa = ea + t
            plain_additions.append({"c1": str(ea.ciphertext(be_secure=False)), "k": str(t),
                                    "c": str(pa.ciphertext(be_secure=False)), "m": str(a + t)})
        keys.append({"bits": bits, "p": str(priv.p), "q": str(priv.q), "n": str(n),
                     "encryptions": encryptions, "additions": additions, "subtractions": subtractions,
                     "negations": negations, "scalarProducts": scalars, "plaintextAdditions": plain_additions})
    out = {
        "description": "python-paillier vectors for MedSearchPaillier; test keys from a fixed seed (insecure)",
        "generator": f"phe {phe.__version__}, gmpy2 {gmpy2.version()}, seed {SEED}",
        "keys": keys,
    }
    VECTORS.mkdir(parents=True, exist_ok=True)
    path = VECTORS / "phe_vectors.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path.relative_to(ROOT)}: {len(keys)} keys")


def verify():
    if not phe.util.HAVE_GMP:
        sys.exit("gmpy2 is not active in phe; install gmpy2")
    path = VECTORS / "swift_vectors.json"
    data = json.loads(path.read_text())
    checked = 0
    for key in data["keys"]:
        p, q = int(key["p"]), int(key["q"])
        pub = PaillierPublicKey(p * q)
        priv = PaillierPrivateKey(pub, p, q)
        n = pub.n
        assert str(n) == key["n"], "n mismatch"
        for e in key["encryptions"]:
            m, r, c = int(e["m"]), int(e["r"]), int(e["c"])
            assert priv.raw_decrypt(c) == m % n, f"phe decrypts a Swift ciphertext wrongly ({key['bits']} bits)"
            assert pub.raw_encrypt(m % n, r_value=r) == c, "phe re-encryption differs from Swift's"
            checked += 1
        for op in key["operations"]:
            c, m = int(op["c"]), int(op["m"])
            assert signed(priv, priv.raw_decrypt(c)) == m, f"Swift {op['op']} decrypts wrongly under phe"
            checked += 1
    print(json.dumps({"file": str(path.relative_to(ROOT)), "checked": checked, "ok": True,
                      "phe": phe.__version__, "have_gmp": phe.util.HAVE_GMP}))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "generate"
    {"generate": generate, "verify": verify}[command]()
