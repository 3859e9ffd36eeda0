#!/usr/bin/env python3
"""Independent reference implementation of QMedShield-MS v1 (MedSearch's QMedShield research cipher).

Python floats are IEEE-754 binary64 and CPython evaluates `a * b + c` as two rounded operations (no FMA), so
this file and Sources/MedSearchSealing/QMedShield/*.swift must produce bit-identical ciphertexts. It writes the
golden vectors the Swift tests check:

  python3 scripts/vectors/qmedshield_reference.py   ->  Tests/MedSearchSealingTests/Vectors/qmedshield_golden.json

The specification is in docs/crypto.md ("QMedShield-MS v1"); this script is its executable form.
Research mode only: QMedShield carries no security proof.
"""
import hashlib
import hmac
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "MedSearchSealingTests" / "Vectors" / "qmedshield_golden.json"

M64 = (1 << 64) - 1
E1 = float.fromhex("0x1.44e51f113d4d6p-9")   # exp(-6), fixed bit pattern
E2 = float.fromhex("0x1.9c54c3b43bc8bp-18")  # exp(-12), fixed bit pattern
SALT = b"MedSearch QMedShield v1"
WARMUP = 512

# DNA rules: 2-bit value -> base (A=0, C=1, G=2, T=3); the eight complement-preserving rules.
RULES = [
    [0, 1, 2, 3], [0, 2, 1, 3], [1, 0, 3, 2], [1, 3, 0, 2],
    [2, 0, 3, 1], [2, 3, 0, 1], [3, 1, 2, 0], [3, 2, 1, 0],
]
INVERSE_RULES = [[r.index(base) for base in range(4)] for r in RULES]


def hkdf_sha256(ikm, salt, info, length):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def unit(word):
    """A double in [0, 1) from the top 53 bits of a 64-bit word (exact)."""
    return float(word >> 11) * (2.0 ** -53)


def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def mix(s):
    z = s
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def low32(value):
    return struct.unpack("<Q", struct.pack("<d", value))[0] & 0xFFFFFFFF


class QLM:
    """Quantum logistic map (real form), beta = 6; 12 keystream bytes per iteration."""

    def __init__(self, x, y, z, r, reseed):
        self.x, self.y, self.z, self.r = x, y, z, r
        self.e1r = E1 * r
        self.reseed_state = reseed
        self.buffer = b""
        for _ in range(WARMUP):
            self.step()

    def step(self):
        x, y, z, r = self.x, self.y, self.z, self.r
        tx = x + x
        nx = r * (x - x * x) - r * y
        ny = self.e1r * ((2.0 - tx) * y - tx * z) - y * E2
        nz = self.e1r * (((2.0 - tx) * z - tx * y) - x) - z * E2
        if not (0.0 < nx < 1.0) or not (-1.0 < ny < 1.0) or not (-1.0 < nz < 1.0):
            self.reseed_state, w = splitmix(self.reseed_state)
            nx = 0.1 + 0.8 * unit(w)
            ny, nz = 0.001, 0.001
        self.x, self.y, self.z = nx, ny, nz

    def take(self, count):
        while len(self.buffer) < count:
            self.step()
            self.buffer += struct.pack("<III", low32(self.x), low32(self.y), low32(self.z))
        out, self.buffer = self.buffer[:count], self.buffer[count:]
        return out


class LTS:
    """Logistic-tent system (Zhou, Bao, Chen 2014); 4 keystream bytes per iteration."""

    def __init__(self, v, mu, reseed):
        self.v, self.mu = v, mu
        self.c = (4.0 - mu) * 0.5
        self.reseed_state = reseed
        self.buffer = b""
        for _ in range(WARMUP):
            self.step()

    def step(self):
        v, mu = self.v, self.mu
        if v < 0.5:
            t = (mu * v) * (1.0 - v) + self.c * v
        else:
            t = (mu * v) * (1.0 - v) + self.c * (1.0 - v)
        if t >= 1.0:
            t = t - 1.0
        if not (0.0 < t < 1.0):
            self.reseed_state, w = splitmix(self.reseed_state)
            t = 0.05 + 0.9 * unit(w)
        self.v = t

    def take(self, count):
        while len(self.buffer) < count:
            self.step()
            self.buffer += struct.pack("<I", low32(self.v))
        out, self.buffer = self.buffer[:count], self.buffer[count:]
        return out


def schedule(key, nonce, width, height, bits):
    info = nonce + struct.pack("<IIB", width, height, bits)
    words = struct.unpack("<8Q", hkdf_sha256(key, SALT, info, 64))
    qlm = QLM(0.1 + 0.8 * unit(words[0]), 0.001 + 0.01 * unit(words[1]), 0.001 + 0.01 * unit(words[2]),
              3.99 + 0.0099 * unit(words[3]), words[7])
    lts = LTS(0.05 + 0.9 * unit(words[4]), 3.5 + 0.49 * unit(words[5]), words[7] ^ 0xA5A5A5A5A5A5A5A5)
    forward_state = words[6]
    backward_state = mix(words[6] ^ words[7])
    n = width * height
    sample_bytes = bits // 8
    plane_order = list(range(bits))
    for i in range(bits - 1, 0, -1):
        j = struct.unpack("<H", lts.take(2))[0] % (i + 1)
        plane_order[i], plane_order[j] = plane_order[j], plane_order[i]
    row_shifts = []
    for _ in range(bits):
        row_shifts.append([v % width for v in struct.unpack(f"<{height}I", qlm.take(4 * height))])
    column_shifts = [v % height for v in struct.unpack(f"<{width}I", qlm.take(4 * width))]
    fmt = "<%d%s" % (n, "B" if bits == 8 else "H")
    forward_keys = struct.unpack(fmt, qlm.take(n * sample_bytes))
    backward_keys = struct.unpack(fmt, qlm.take(n * sample_bytes))
    dna = lts.take(n * (1 + sample_bytes))
    rule_bytes = [dna[i * (1 + sample_bytes)] for i in range(n)]
    if bits == 8:
        dna_keys = [dna[i * 2 + 1] for i in range(n)]
    else:
        dna_keys = [dna[i * 3 + 1] | (dna[i * 3 + 2] << 8) for i in range(n)]
    return dict(plane_order=plane_order, row_shifts=row_shifts, column_shifts=column_shifts,
                forward_keys=forward_keys, backward_keys=backward_keys, rule_bytes=rule_bytes,
                dna_keys=dna_keys, forward_state=forward_state, backward_state=backward_state)


def scramble(pixels, width, height, bits, ks):
    """Per-plane row shifts (bit order[k] moves to bit k), then one column shift per column for whole samples."""
    tmp = [0] * (width * height)
    for k in range(bits):
        source_plane = ks["plane_order"][k]
        c = ks["row_shifts"][k]
        for i in range(height):
            for j in range(width):
                jj = (j - c[i]) % width
                tmp[i * width + j] |= ((pixels[i * width + jj] >> source_plane) & 1) << k
    a = ks["column_shifts"]
    out = [0] * (width * height)
    for i in range(height):
        for j in range(width):
            out[i * width + j] = tmp[((i - a[j]) % height) * width + j]
    return out


def dna_step(value, rule_byte, key, bits):
    e, d = rule_byte & 7, (rule_byte >> 3) & 7
    out = 0
    for g in range(bits // 2):
        shift = 2 * g
        base = RULES[e][(value >> shift) & 3]
        key_base = RULES[e][(key >> shift) & 3]
        out |= INVERSE_RULES[d][(base + key_base) & 3] << shift
    return out


def diffuse(values, keys, state, order, bits):
    mask = (1 << bits) - 1
    out = list(values)
    for i in order:
        h = mix(state) & mask
        c = ((values[i] ^ keys[i]) + h) & mask
        out[i] = c
        state = (((state ^ c) * 0x9E3779B97F4A7C15) + 0x632BE59BD9B4E019) & M64
    return out


def encrypt(pixels, width, height, bits, key, nonce):
    ks = schedule(key, nonce, width, height, bits)
    n = width * height
    x = scramble(pixels, width, height, bits, ks)
    x = diffuse(x, ks["forward_keys"], ks["forward_state"], range(n), bits)
    x = [dna_step(x[i], ks["rule_bytes"][i], ks["dna_keys"][i], bits) for i in range(n)]
    x = diffuse(x, ks["backward_keys"], ks["backward_state"], range(n - 1, -1, -1), bits)
    return x


def main():
    cases = []
    specs = [
        ("gradient-16x16-8bit", 16, 16, 8, lambda i, j: (i * 16 + j) & 0xFF),
        ("constant-13x7-8bit", 13, 7, 8, lambda i, j: 128),
        ("checker-9x11-16bit", 9, 11, 16, lambda i, j: ((i ^ j) & 1) * 4095 + i * 97 + j),
        ("ramp-32x24-16bit", 32, 24, 16, lambda i, j: (i * 2731 + j * 613) & 0xFFFF),
    ]
    for index, (name, w, h, bits, f) in enumerate(specs):
        key = hashlib.sha256(b"qmedshield golden key %d" % index).digest()
        nonce = hashlib.sha256(b"qmedshield golden nonce %d" % index).digest()[:16]
        pixels = [f(i, j) for i in range(h) for j in range(w)]
        cipher = encrypt(pixels, w, h, bits, key, nonce)
        cases.append({"name": name, "width": w, "height": h, "bits": bits, "key": key.hex(), "nonce": nonce.hex(),
                      "plain": pixels, "cipher": cipher})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"description": "QMedShield-MS v1 golden vectors from scripts/vectors/qmedshield_reference.py",
                               "cases": cases}, indent=None) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(cases)} cases")


if __name__ == "__main__":
    main()
