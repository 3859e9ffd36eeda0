#!/usr/bin/env python3
"""Checks that every target of Package.swift declares exactly the modules its Swift sources import.

Reads the manifest through `swift package dump-package` (no build, no network) and, for every Swift target (the
fuzz targets included: MEDSEARCH_FUZZ=1), compares its declared dependencies with the modules its files import.
Prints one line per target that imports an undeclared module or declares one it never imports, and exits 1 when
there is any. Standard modules (Foundation, Dispatch, Glibc, Synchronization, Testing) need no declaration.
Two declarations are deliberate and listed in ALLOWED: a C target's dependency on the system library whose
headers it includes, and the CLI tests' dependency on the executable they run (built with them).
Usage: scripts/check-dependencies.py [package root]
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
STANDARD = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc", "Musl", "Darwin",
            "Synchronization", "Testing", "XCTest", "_Concurrency", "RegexBuilder", "Observation"}
# target -> declared dependencies that are not Swift imports, with the reason.
ALLOWED = {
    ("CJPEGShim", "CJPEG"): "CJPEGShim.c includes <jpeglib.h> through the CJPEG system library",
    ("MedSearchCore", "MedSearchMacros"): "Core declares the macros that this compiler plugin expands (#externalMacro)",
    ("medsearchTests", "medsearch"): "the CLI tests run the medsearch executable, so it is built with them",
}
# Lines of Swift that import a module (Python source inside a Swift string literal starts differently).
IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public\s+|package\s+|internal\s+|private\s+|fileprivate\s+)?"
                    r"import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z_0-9]*)\s*(?://.*)?$")


def manifest():
    environment = dict(os.environ, MEDSEARCH_FUZZ="1")
    # A scratch folder of its own: a build running in .build holds that folder's lock.
    with tempfile.TemporaryDirectory() as scratch:
        output = subprocess.run(["swift", "package", "--package-path", ROOT, "--scratch-path", scratch,
                                 "dump-package"], env=environment, check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def declared(target):
    names = set()
    for dependency in target["dependencies"]:
        for kind, value in dependency.items():
            names.add(value[0])  # byName, target or product: the module name comes first
    return names


def imported(directory):
    modules = set()
    for folder, _, files in os.walk(directory):
        for name in files:
            if name.endswith(".swift"):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    for line in handle:
                        match = IMPORT.match(line)
                        if match:
                            modules.add(match.group(1))
    return modules - STANDARD


def main():
    problems = []
    package = manifest()
    for target in package["targets"]:
        name = target["name"]
        if target["type"] == "system":
            continue
        path = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", name)
        uses = imported(os.path.join(ROOT, path))
        declares = {d for d in declared(target) if (name, d) not in ALLOWED}
        if uses - declares:
            problems.append(f"{name}: imports {', '.join(sorted(uses - declares))} without declaring it")
        if declares - uses:
            problems.append(f"{name}: declares {', '.join(sorted(declares - uses))} without importing it")
    for problem in problems:
        print(problem)
    print(f"dependencies: {len(package['targets'])} targets, "
          + ("every declared dependency imported and every import declared" if not problems
             else f"{len(problems)} mismatches"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
