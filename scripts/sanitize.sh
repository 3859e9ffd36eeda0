#!/usr/bin/env bash
# Runs test suites under the Clang sanitizers, each in its own build directory (the ordinary .build is untouched).
#
#   scripts/sanitize.sh address   AddressSanitizer (.build-asan) over the decoder suites: the DICOM, PNG, JPEG and
#                                 NPZ/NPY readers, de-identification, decode limits, fuzz reproducers and seed corpus
#                                 (MedSearchImagingTests), plus the CLI's bomb tests. Out-of-bounds reads and writes
#                                 in the decoders' unsafe-pointer loops, use after free and C shim errors are reported.
#
# Usage: scripts/sanitize.sh [address] [extra swift test --filter regex]
# Each mode is a full debug build of the test bundle with the sanitizer (about as long as scripts/test.sh's build);
# it is not part of scripts/test.sh (CI budget): run it after changing decoder code. The libFuzzer runs of
# scripts/fuzz.sh use AddressSanitizer on the decoders too.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-address}"
case "$mode" in
  address)
    scratch=.build-asan
    filter="${2:-MedSearchImagingTests|DecodeLimitCLITests}"
    ;;
  *)
    echo "sanitize.sh: unknown mode $mode (address)" >&2
    exit 2
    ;;
esac
scripts/setup.sh
MEDSEARCH_PYTHON_ENV=test scripts/reference/python.sh -c "import pydicom" \
  || echo "sanitize: pydicom reference environment unavailable; its tests will be skipped" >&2
swift build --build-tests --scratch-path "$scratch" --sanitize="$mode"
# Swift's runtime allocates a little at start-up that it never frees: leaks are not what this run looks for.
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
  swift test --skip-build --scratch-path "$scratch" --sanitize="$mode" --filter "$filter"
echo "sanitize: $mode: suites matching '$filter' passed"
