"""Export a trained PyTorch embedding network to the MedSearch CNN weights format ("MSCN" version 1).

The format is documented in docs/cnn.md and in Sources/MedSearchFeatures/CNN/CNNModel+Format.swift.
BatchNorm layers are folded into the preceding Conv2d / Linear. Supported modules, in an nn.Sequential:
Conv2d (square kernel, groups=1, zero padding), BatchNorm2d, BatchNorm1d, ReLU, MaxPool2d, AvgPool2d,
AdaptiveAvgPool2d(1), Flatten, Linear.
"""
from __future__ import annotations

import struct

import numpy as np
import torch
from torch import nn

MAGIC = b"MSCN"
VERSION = 1
KIND = {"conv": 1, "relu": 2, "maxpool": 3, "avgpool": 4, "gap": 5, "linear": 6}


def _int(v) -> int:
    return v[0] if isinstance(v, (tuple, list)) else int(v)


def fold_layers(seq: nn.Sequential) -> list[tuple]:
    """Flatten the network into inference layers with BatchNorm folded in (float64 arithmetic, then float32)."""
    mods = list(seq)
    out: list[tuple] = []
    i = 0
    while i < len(mods):
        m = mods[i]
        nxt = mods[i + 1] if i + 1 < len(mods) else None
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = m.weight.detach().double().clone()
            b = m.bias.detach().double().clone() if m.bias is not None else torch.zeros(w.shape[0], dtype=torch.float64)
            if isinstance(nxt, (nn.BatchNorm2d, nn.BatchNorm1d)):
                scale = nxt.weight.detach().double() / torch.sqrt(nxt.running_var.double() + nxt.eps)
                shift = nxt.bias.detach().double() - nxt.running_mean.double() * scale
                w = w * scale.view(-1, *([1] * (w.dim() - 1)))
                b = b * scale + shift
                i += 1
            if isinstance(m, nn.Conv2d):
                assert m.groups == 1 and m.kernel_size[0] == m.kernel_size[1] and m.padding_mode == "zeros"
                assert _int(m.stride) == (m.stride[1] if isinstance(m.stride, tuple) else m.stride)
                out.append(("conv", m.in_channels, m.out_channels, m.kernel_size[0], _int(m.stride),
                            _int(m.padding), w.float().numpy(), b.float().numpy()))
            else:
                out.append(("linear", m.in_features, m.out_features, w.float().numpy(), b.float().numpy()))
        elif isinstance(m, nn.ReLU):
            out.append(("relu",))
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            k, s = _int(m.kernel_size), _int(m.stride if m.stride is not None else m.kernel_size)
            assert _int(m.padding) == 0 and not m.ceil_mode
            out.append(("maxpool" if isinstance(m, nn.MaxPool2d) else "avgpool", k, s))
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            assert _int(m.output_size) == 1
            out.append(("gap",))
        elif isinstance(m, (nn.Flatten, nn.Identity, nn.Dropout)):
            pass
        else:
            raise TypeError(f"cannot export {type(m).__name__}")
        i += 1
    return out


def encode(name: str, input_side: int, mean: float, std: float, layers: list[tuple]) -> bytes:
    def floats(a: np.ndarray) -> bytes:
        a = np.ascontiguousarray(a, dtype="<f4").ravel()
        return struct.pack("<I", a.size) + a.tobytes()

    raw_name = name.encode("utf-8")
    buf = bytearray(MAGIC + struct.pack("<H", VERSION) + struct.pack("<I", len(raw_name)) + raw_name)
    buf += struct.pack("<Iff", input_side, mean, std)
    buf += struct.pack("<I", len(layers))
    for layer in layers:
        kind = layer[0]
        buf += struct.pack("<B", KIND[kind])
        if kind == "conv":
            _, cin, cout, k, s, p, w, b = layer
            buf += struct.pack("<5I", cin, cout, k, s, p) + floats(w) + floats(b)
        elif kind == "linear":
            _, fin, fout, w, b = layer
            buf += struct.pack("<2I", fin, fout) + floats(w) + floats(b)
        elif kind in ("maxpool", "avgpool"):
            buf += struct.pack("<2I", layer[1], layer[2])
    return bytes(buf)


def export(seq: nn.Sequential, path: str, name: str, input_side: int, mean: float, std: float, pre: int = 1) -> int:
    """Writes the weights file; `pre` > 1 prepends a pre x pre average pooling (applied to the data in training).

    Average pooling commutes with the input normalisation (an affine map), so the pooled-then-normalised
    training input equals the exported normalise-then-pool computation.
    """
    seq = seq.eval()
    layers = ([("avgpool", pre, pre)] if pre > 1 else []) + fold_layers(seq)
    data = encode(name, input_side, mean, std, layers)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def run_folded(layers: list[tuple], x: np.ndarray) -> np.ndarray:
    """Reference forward pass of the folded layers with torch functional ops (checks the folding)."""
    t = torch.from_numpy(x.astype(np.float32))
    for layer in layers:
        kind = layer[0]
        if kind == "conv":
            _, cin, cout, k, s, p, w, b = layer
            t = torch.nn.functional.conv2d(t, torch.from_numpy(w), torch.from_numpy(b), stride=s, padding=p)
        elif kind == "linear":
            t = torch.nn.functional.linear(t.flatten(1), torch.from_numpy(layer[3]), torch.from_numpy(layer[4]))
        elif kind == "relu":
            t = torch.relu(t)
        elif kind == "maxpool":
            t = torch.nn.functional.max_pool2d(t, layer[1], layer[2])
        elif kind == "avgpool":
            t = torch.nn.functional.avg_pool2d(t, layer[1], layer[2])
        elif kind == "gap":
            t = t.mean(dim=(2, 3), keepdim=True)
    return t.flatten(1).numpy()


def decode(data: bytes) -> tuple[str, int, float, float, list[tuple]]:
    """Parse a weights file back into (name, input side, mean, std, layers) (strict: trailing bytes fail)."""
    pos = 0

    def take(fmt: str):
        nonlocal pos
        size = struct.calcsize(fmt)
        if pos + size > len(data):
            raise ValueError(f"truncated at {pos}")
        values = struct.unpack_from(fmt, data, pos)
        pos += size
        return values

    def floats() -> np.ndarray:
        nonlocal pos
        (n,) = take("<I")
        if pos + 4 * n > len(data):
            raise ValueError(f"truncated at {pos}")
        a = np.frombuffer(data, dtype="<f4", count=n, offset=pos).astype(np.float32)
        pos += 4 * n
        return a

    if data[:4] != MAGIC:
        raise ValueError("not an MSCN file")
    pos = 4
    (version,) = take("<H")
    if version != VERSION:
        raise ValueError(f"unsupported version {version}")
    (n,) = take("<I")
    name = data[pos:pos + n].decode("utf-8")
    pos += n
    side, mean, std = take("<Iff")
    (count,) = take("<I")
    kinds = {v: k for k, v in KIND.items()}
    layers: list[tuple] = []
    for _ in range(count):
        (raw,) = take("<B")
        kind = kinds[raw]
        if kind == "conv":
            cin, cout, k, s, p = take("<5I")
            w, b = floats().reshape(cout, cin, k, k), floats()
            layers.append(("conv", cin, cout, k, s, p, w, b))
        elif kind == "linear":
            fin, fout = take("<2I")
            w, b = floats().reshape(fout, fin), floats()
            layers.append(("linear", fin, fout, w, b))
        elif kind in ("maxpool", "avgpool"):
            layers.append((kind, *take("<2I")))
        else:
            layers.append((kind,))
    if pos != len(data):
        raise ValueError("trailing bytes")
    return name, side, mean, std, layers
