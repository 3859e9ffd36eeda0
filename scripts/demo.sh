#!/usr/bin/env bash
# The one command that runs MedSearch's main job on a fresh machine: installs what is missing, builds
# (release; falls back to a debug build, with a notice, if the release build fails) and runs `medsearch demo`
# on the embedded data (DemoData/). Extra arguments go to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if swift build -c release --product medsearch; then
  exec .build/release/medsearch demo "$@"
fi
echo "demo: the release build failed; building and running the debug build instead (slower)" >&2
swift build --product medsearch
exec .build/debug/medsearch demo "$@"
