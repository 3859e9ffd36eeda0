#!/usr/bin/env bash
# The one command that runs MedSearch's main job on a fresh machine: installs what is missing, builds in
# release mode and runs `medsearch demo` on the embedded data (DemoData/). Extra arguments go to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product medsearch
exec .build/release/medsearch demo "$@"
