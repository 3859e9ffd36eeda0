#!/usr/bin/env python3
"""Reference timings for `medsearch bench imaging`: pydicom (dcmread + pixel_array) and Pillow (PNG).

Prints one JSON object (see common.py). Each case: read the file from disk and decode every frame to an array,
median of --rounds rounds after one warm-up round (the directory: max(3, rounds // 2) rounds).
Usage: imaging.py --dicom-dir DIR [--png FILE] [--rounds N]
"""
import argparse
import glob
import os
import sys

from common import Figures, emit, import_packages, python_version


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dicom-dir", required=True)
    parser.add_argument("--png")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    packages = import_packages("numpy", "pydicom")
    if packages is None:
        return 0
    numpy, pydicom = packages

    figures = Figures()
    versions = {"python": python_version(), "pydicom": pydicom.__version__, "numpy": numpy.__version__}
    counts = {}

    for key, name in (("rg1_unci", "RG1_UNCI.dcm"), ("emri_small_rle", "emri_small_RLE.dcm")):
        path = os.path.join(args.dicom_dir, name)
        if os.path.exists(path):
            figures.time(key, lambda path=path: pydicom.dcmread(path).pixel_array, args.rounds)

    if args.png and os.path.exists(args.png):
        try:
            from PIL import Image

            def run_png():
                with Image.open(args.png) as image:
                    return numpy.asarray(image)

            figures.time("png_128", run_png, args.rounds)
            versions["pillow"] = Image.__version__
        except ImportError:
            pass

    files = sorted(glob.glob(os.path.join(args.dicom_dir, "*.dcm")))
    decoded = [0]

    def run_dir():
        count = 0
        for path in files:
            try:
                ds = pydicom.dcmread(path)
                _ = ds.pixel_array
                count += 1
            except Exception:
                pass
        decoded[0] = count

    figures.time("directory", run_dir, max(3, args.rounds // 2))
    counts["directory_files"] = len(files)
    counts["directory_decoded"] = decoded[0]
    emit(f"pydicom {pydicom.__version__}", versions, figures, counts=counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
