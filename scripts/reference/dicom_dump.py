#!/usr/bin/env python3
"""Reads DICOM files with pydicom (an independent reader) and prints, as one JSON object, what it sees.

Usage: MEDSEARCH_PYTHON_ENV=test scripts/reference/python.sh scripts/reference/dicom_dump.py FILE...

For each file: {"ok": true, "elements": [[path, vr, text], ...], "frame0_sha256": hex or null} or
{"ok": false, "error": "..."}. `path` is "GGGGEEEE" for top-level elements and "GGGGEEEE/i/GGGGEEEE/..." inside
sequence items; the meta group is included. `text` is the value as text (multi-values joined with a
backslash; binary values as hex, pixel data omitted). `frame0_sha256` is the SHA-256 of the first frame's
stored values as little-endian integers of the array's width (YBR data not converted), when pydicom can decode
the pixels without plugins. The MedSearch imaging tests use it to check de-identified output.
"""
import hashlib
import json
import sys

import pydicom
from pydicom.pixels import pixel_array


def text(element):
    if element.tag == 0x7FE00010 or element.tag.group & 0xFF00 == 0x6000 and element.tag.element == 0x3000:
        return ""
    value = element.value
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return "\\".join(str(v) for v in value)
    return "" if value is None else str(value)


def walk(dataset, prefix, out):
    for element in dataset:
        path = prefix + f"{element.tag:08X}"
        if element.VR == "SQ":
            out.append([path, "SQ", ""])
            for index, item in enumerate(element.value):
                walk(item, f"{path}/{index}/", out)
        else:
            out.append([path, element.VR, text(element)])


def dump(path):
    try:
        ds = pydicom.dcmread(path)
        elements = []
        walk(ds.file_meta, "", elements)
        walk(ds, "", elements)
    except Exception as error:  # report, do not crash: the caller asserts on it
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    digest = None
    if "PixelData" in ds:
        try:
            array = pixel_array(ds, index=0, as_rgb=False)
            array = array.astype(array.dtype.newbyteorder("<"), copy=False)
            digest = hashlib.sha256(array.tobytes()).hexdigest()
        except Exception:
            digest = None
    return {"ok": True, "elements": elements, "frame0_sha256": digest}


def main():
    print(json.dumps({path: dump(path) for path in sys.argv[1:]}))


if __name__ == "__main__":
    main()
