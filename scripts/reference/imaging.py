#!/usr/bin/env python3
"""Reference timings for `medsearch bench imaging`: pydicom (dcmread + pixel_array) and Pillow (PNG).

Prints one JSON object. Each case: read the file from disk and decode every frame to an array, timed as the
median of --rounds rounds after one warm-up round.
Usage: imaging.py --dicom-dir DIR [--png FILE] [--rounds N]
"""
import argparse
import glob
import json
import os
import statistics
import sys
import time


def median_ms(fn, rounds):
    fn()  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dicom-dir", required=True)
    parser.add_argument("--png")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    import numpy
    import pydicom

    result = {"reference": "pydicom " + pydicom.__version__, "numpy": numpy.__version__, "rounds": args.rounds,
              "warmup": 1, "cases": {}}

    def dicom_case(name):
        path = os.path.join(args.dicom_dir, name)
        if not os.path.exists(path):
            return None

        def run():
            ds = pydicom.dcmread(path)
            return ds.pixel_array

        med, times = median_ms(run, args.rounds)
        return {"median_ms": med, "times_ms": times}

    for key, name in (("rg1_unci", "RG1_UNCI.dcm"), ("emri_small_rle", "emri_small_RLE.dcm")):
        case = dicom_case(name)
        if case is not None:
            result["cases"][key] = case

    if args.png and os.path.exists(args.png):
        try:
            from PIL import Image

            def run_png():
                with Image.open(args.png) as image:
                    return numpy.asarray(image)

            med, times = median_ms(run_png, args.rounds)
            result["cases"]["png_128"] = {"median_ms": med, "times_ms": times, "reference": "Pillow " + Image.__version__}
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

    med, times = median_ms(run_dir, max(3, args.rounds // 2))
    result["cases"]["directory"] = {"median_ms": med, "times_ms": times, "files": len(files), "decoded": decoded[0]}
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    main()
