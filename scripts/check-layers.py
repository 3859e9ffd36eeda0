#!/usr/bin/env python3
"""Checks that MedSearch's imports point downward only (docs/architecture.md, "Layers").

Every target under Sources/ has a layer number; a target may import only targets of a lower layer, and the
lower layers may not import the server, database, command-line or HTTP packages at all. A new target must be
added to LAYERS (the script fails on an unknown target, so the table cannot silently fall behind).
Prints one line per violation and exits 1 when there is any; run by scripts/test.sh before the build.
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))

# Layer of each of our targets (docs/architecture.md has the same table with the reasons).
LAYERS = {
    # 0: thin wrappers over C libraries from Debian packages
    "CGMP": 0, "CJPEG": 0, "CJPEGShim": 0, "CZlib": 0, "COpenSSL": 0, "CMedSearchShims": 0,
    # 0: the compiler plugin (runs in the compiler; its macros are declared in MedSearchCore)
    "MedSearchMacros": 0,
    # 1: vocabulary shared by every layer
    "MedSearchCore": 1,
    # 2: leaf algorithms (pixels, big integers, modular arithmetic, matrix encryption, sealing)
    "MedSearchImaging": 2, "MedSearchBigInt": 2, "MedSearchModular": 2, "MedSearchSecureKNN": 2,
    "MedSearchSealing": 2,
    # 3: built on one leaf
    "MedSearchFeatures": 3, "MedSearchPaillier": 3, "MedSearchBFV": 3, "MedSearchSharing": 3,
    "MedSearchDICOMweb": 3,
    # 4-5: index structures and encrypted search
    "MedSearchIndex": 4, "MedSearchHESearch": 5,
    # 6: engines (protocol logic, message in / message out, no I/O)
    "MedSearchFNN": 6, "MedSearchSEI": 6, "MedSearchTrustMed": 6,
    # 7: infrastructure that knows no engine
    "MedSearchStore": 7, "MedSearchTransport": 7,
    # 8: the two sides of the network
    "MedSearchServer": 8, "MedSearchClient": 8,
    # 9: launching roles
    "MedSearchDeployment": 9,
    # 10: applications built from the flows
    "MedSearchWeb": 10, "MedSearchDemo": 10, "MedSearchBenchmarks": 10,
    # 11: argument parsing and printing
    "medsearch": 11,
    # test support, imported only by tests
    "_MedSearchTestSupport": 2,
}

# Packages that belong to the I/O layers only: an engine or algorithm importing one of these is a violation.
IO_PACKAGES = {
    "Hummingbird": 8, "HummingbirdAuth": 10, "HummingbirdBcrypt": 10, "HummingbirdTLS": 8, "Mustache": 10,
    "GRDB": 7, "PostgresNIO": 7, "ArgumentParser": 11, "AsyncHTTPClient": 7, "NIOCore": 7, "NIOHTTP1": 7,
    "NIOPosix": 7, "NIOSSL": 7, "Logging": 7, "Metrics": 7, "Prometheus": 7, "ServiceLifecycle": 7,
    "Yams": 7, "TOMLKit": 7, "X509": 7,
}

IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public\s+|package\s+|internal\s+|private\s+|fileprivate\s+)?"
                    r"import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z_0-9]*)")


def main():
    sources = os.path.join(ROOT, "Sources")
    problems = []
    for target in sorted(os.listdir(sources)):
        directory = os.path.join(sources, target)
        if not os.path.isdir(directory):
            continue
        if target not in LAYERS:
            problems.append(f"{target}: not in the layer table of scripts/check-layers.py (add it, and to docs/architecture.md)")
            continue
        layer = LAYERS[target]
        for folder, _, files in os.walk(directory):
            for name in files:
                if not name.endswith(".swift"):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    for number, line in enumerate(handle, 1):
                        match = IMPORT.match(line)
                        if not match:
                            continue
                        module = match.group(1)
                        where = f"{os.path.relpath(path, ROOT)}:{number}"
                        if module in LAYERS and LAYERS[module] >= layer and module != target:
                            problems.append(f"{where}: {target} (layer {layer}) imports {module} (layer {LAYERS[module]})")
                        elif module in IO_PACKAGES and IO_PACKAGES[module] > layer:
                            problems.append(f"{where}: {target} (layer {layer}) imports {module}, "
                                            f"allowed from layer {IO_PACKAGES[module]} up")
                        elif module == "CCryptoBoringSSL":
                            problems.append(f"{where}: CCryptoBoringSSL is not a product of swift-crypto (use COpenSSL)")
    for problem in problems:
        print("layers: " + problem)
    if problems:
        print(f"layers: {len(problems)} import(s) against docs/architecture.md")
        return 1
    print(f"layers: {sum(1 for t in os.listdir(sources) if t in LAYERS)} targets, every import points downward")
    return 0


if __name__ == "__main__":
    sys.exit(main())
