#!/usr/bin/env python3
"""Reference BFV timings with Microsoft SEAL (through tenseal.sealapi), printed as JSON (see common.py).

Parameters match `medsearch bench bfv`: N = 8192, q = 3 x 55-bit primes, t = 65537. SEAL keeps its last prime as
the special key-switching prime. One core (SEAL is single-threaded here). Median of ROUNDS rounds after one warm-up.
Usage: scripts/reference/python.sh scripts/reference/bfv.py [--rounds 7]
"""
import argparse
import sys

from common import Figures, emit, fail, python_version


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    try:
        import tenseal.sealapi as seal
        import tenseal
    except Exception as error:  # reported as missing, never fatal
        fail(f"tenseal not importable: {error}")
        return 0

    n = 8192
    parms = seal.EncryptionParameters(seal.SCHEME_TYPE.BFV)
    parms.set_poly_modulus_degree(n)
    parms.set_coeff_modulus(seal.CoeffModulus.Create(n, [55, 55, 55]))
    parms.set_plain_modulus(seal.Modulus(65537))
    context = seal.SEALContext(parms, True, seal.SEC_LEVEL_TYPE.TC128)
    keygen = seal.KeyGenerator(context)
    secret_key = keygen.secret_key()
    public_key = seal.PublicKey()
    keygen.create_public_key(public_key)
    relin_keys = seal.RelinKeys()
    keygen.create_relin_keys(relin_keys)
    galois_keys = seal.GaloisKeys()
    keygen.create_galois_keys(galois_keys)
    encryptor = seal.Encryptor(context, public_key)
    decryptor = seal.Decryptor(context, secret_key)
    evaluator = seal.Evaluator(context)
    encoder = seal.BatchEncoder(context)

    values = [i % 65537 for i in range(n)]
    plain = seal.Plaintext()
    encoder.encode(values, plain)
    a = seal.Ciphertext()
    b = seal.Ciphertext()
    encryptor.encrypt(plain, a)
    encryptor.encrypt(plain, b)

    def multiply_relin():
        out = seal.Ciphertext()
        evaluator.multiply(a, b, out)
        evaluator.relinearize_inplace(out, relin_keys)

    def multiply_only():
        out = seal.Ciphertext()
        evaluator.multiply(a, b, out)

    def rotate():
        out = seal.Ciphertext()
        evaluator.rotate_rows(a, 1, galois_keys, out)

    def decrypt():
        out = seal.Plaintext()
        decryptor.decrypt(a, out)

    def encrypt():
        out = seal.Ciphertext()
        encryptor.encrypt(plain, out)

    def ntt_one_limb():
        # SEAL's Python API exposes no raw NTT: time the forward transform of a 1-limb plaintext instead
        # (transform_to_ntt of a plaintext at the last data level = one 8192-point NTT over one prime).
        out = seal.Plaintext()
        evaluator.transform_to_ntt(plain, context.last_parms_id(), out)

    rounds = args.rounds
    figures = Figures()
    figures.time("multiply_relinearize", multiply_relin, rounds)
    figures.time("multiply", multiply_only, rounds)
    figures.time("rotate_rows", rotate, rounds)
    figures.time("decrypt", decrypt, rounds)
    figures.time("encrypt_public", encrypt, rounds)
    figures.time("ntt_one_limb", ntt_one_limb, rounds * 5)
    version = getattr(tenseal, "__version__", "?")
    emit(f"Microsoft SEAL via tenseal {version}", {"python": python_version(), "tenseal": version}, figures,
         counts={"N": n, "t": 65537, "noise_budget_fresh_bits": decryptor.invariant_noise_budget(a)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
