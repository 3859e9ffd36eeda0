"""Timing and output conventions shared by the reference scripts.

Every script prints, as its last line, one JSON object that MedSearchBenchmarks' ReferenceRunner reads:
{"library": "...", "versions": {...}, "figures": {name: {"wall": S, "cpu": S}}, "flags": {...}, "counts": {...}}
where S = {"median_ms", "min_ms", "max_ms", "samples_ms"} per operation, wall clock and thread CPU time (the
CPU time is robust to other processes on a shared machine). A script that cannot run prints {"error": reason}.
"""
import importlib
import json
import statistics
import sys
import time


def summary(samples):
    """Median, minimum, maximum and the samples, in milliseconds."""
    return {"median_ms": statistics.median(samples) if samples else 0.0,
            "min_ms": min(samples) if samples else 0.0,
            "max_ms": max(samples) if samples else 0.0,
            "samples_ms": samples}


class Figures:
    """Times bodies the way the Swift harness does: warm-up rounds, then timed rounds on both clocks."""

    def __init__(self):
        self.figures = {}

    def time(self, name, body, rounds, warmup=1, operations=1):
        """Times `body` (`operations` operations per call); records per-operation figures; returns the median wall ms."""
        for _ in range(warmup):
            body()
        wall, cpu = [], []
        for _ in range(rounds):
            start, start_cpu = time.perf_counter(), time.thread_time()
            body()
            cpu.append((time.thread_time() - start_cpu) * 1000.0 / operations)
            wall.append((time.perf_counter() - start) * 1000.0 / operations)
        self.figures[name] = {"wall": summary(wall), "cpu": summary(cpu)}
        return self.figures[name]["wall"]["median_ms"]


def python_version():
    return sys.version.split()[0]


def emit(library, versions, figures, flags=None, counts=None):
    """Prints the run as the last line of standard output."""
    print(json.dumps({"library": library, "versions": versions, "figures": figures.figures,
                      "flags": flags or {}, "counts": counts or {}}))


def fail(reason):
    """Prints why the reference cannot run (recorded as missing, never fatal)."""
    print(json.dumps({"error": reason}))


def import_packages(*names):
    """Imports the named modules in order; when one is missing, reports it with fail() and returns None."""
    try:
        return [importlib.import_module(name) for name in names]
    except ImportError as error:
        fail(f"missing package: {error}")
        return None
