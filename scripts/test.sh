#!/usr/bin/env bash
# The one command that runs MedSearch's whole test suite on a fresh machine: installs what is missing,
# builds (debug), runs every unit, protocol, server and end-to-end test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
