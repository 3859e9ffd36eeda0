#!/usr/bin/env bash
# The one command that runs MedSearch's whole test suite on a fresh machine: installs what is missing,
# builds (debug), runs every unit, protocol, server and end-to-end test, then the browser end-to-end test of
# the web application (headless Chromium; installs chromium, chromium-driver and Selenium when missing).
# The store tests also run against a private PostgreSQL cluster it starts on loopback (scripts/test-postgres.sh;
# installs Debian's postgresql when missing; skipped with the reason when it cannot start) and stops on exit.
# Prepares .venv-test (pydicom, numpy) for the reference checks of the imaging tests, and fuzzes the decoders
# for a bounded time (scripts/fuzz.sh, its own .build-fuzz).
# The DICOMweb scenarios run against real components started here: Orthanc with its DICOMweb plugin (Debian's
# orthanc and orthanc-dicomweb, installed when missing) on free loopback ports with a generated configuration in
# a temporary directory (scripts/dicomweb/orthanc.sh), stopped on exit, and the Python dicomweb-client package in
# .venv-dicomweb (scripts/dicomweb/python.sh). MEDSEARCH_SKIP_DICOMWEB=1 skips them (reported as skipped).
# CI runs exactly this (.ci/run). Set MEDSEARCH_SKIP_BROWSER=1 to skip the browser test locally.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${MEDSEARCH_SKIP_DICOMWEB:-0}" = "1" ]; then
  scripts/setup.sh
else
  scripts/setup.sh orthanc orthanc-dicomweb
fi
# The independent DICOM reader (pydicom) the imaging tests check de-identified output against; without it
# (no PyPI access) those tests are reported as skipped.
MEDSEARCH_PYTHON_ENV=test scripts/reference/python.sh -c "import pydicom" \
  || echo "test: pydicom reference environment unavailable; its tests will be skipped" >&2
# Imports point downward only (docs/architecture.md): checked before anything is built.
python3 scripts/check-layers.py
swift build --build-tests
source scripts/test-postgres.sh
medsearch_postgres_start
dicomweb_dir=""
medsearch_cleanup() {
  medsearch_postgres_stop
  if [ -n "$dicomweb_dir" ]; then scripts/dicomweb/orthanc.sh stop "$dicomweb_dir"; rm -rf "$dicomweb_dir"; fi
}
trap medsearch_cleanup EXIT
if [ "${MEDSEARCH_SKIP_DICOMWEB:-0}" != "1" ]; then
  dicomweb_dir=$(mktemp -d)
  scripts/dicomweb/orthanc.sh start "$dicomweb_dir"
  # shellcheck disable=SC1091
  source "$dicomweb_dir/env"
  MEDSEARCH_DICOMWEB_PYTHON=$(scripts/dicomweb/python.sh)
  export MEDSEARCH_DICOMWEB_PYTHON
else
  echo "test: SKIP DICOMweb scenarios with Orthanc and dicomweb-client (MEDSEARCH_SKIP_DICOMWEB=1)" >&2
fi
swift test --skip-build
# /metrics of a real role over mutual TLS, checked by promtool (skipped with the reason when it is missing).
scripts/check-metrics.sh "$(swift build --show-bin-path)/medsearch"
# Bounded coverage-guided fuzzing of the decoders (libFuzzer + AddressSanitizer, 40 s per target, RSS limit:
# a crash, hang or memory blow-up fails the run). MEDSEARCH_SKIP_FUZZ=1 skips it locally.
if [ "${MEDSEARCH_SKIP_FUZZ:-0}" = "1" ]; then
  echo "test: SKIP bounded fuzzing (MEDSEARCH_SKIP_FUZZ=1)" >&2
else
  scripts/fuzz.sh "${MEDSEARCH_FUZZ_SECONDS:-40}"
fi
if [ "${MEDSEARCH_SKIP_BROWSER:-0}" = "1" ]; then
  echo "test: SKIP browser end-to-end test (MEDSEARCH_SKIP_BROWSER=1)" >&2
else
  scripts/web-e2e/ci.sh "$(swift build --show-bin-path)/medsearch"
fi
