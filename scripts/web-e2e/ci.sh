#!/usr/bin/env bash
# Browser end-to-end test of `medsearch serve web`, runnable unattended (scripts/test.sh calls it).
#
#   scripts/web-e2e/ci.sh [path/to/medsearch]      (default: .build/debug/medsearch; builds nothing itself)
#
# Installs what is missing, idempotently: Debian's chromium and chromium-driver (apt-get only when dpkg does
# not list them) and Selenium in a venv (.venv-e2e, or $E2E_VENV). Then runs e2e.py, which starts
# `medsearch serve web --demo` on loopback with every engine (FNN, SEI, TrustMedSearch: their untrusted servers
# run as separate processes), drives headless Chromium through register, approve, login, upload, search with
# each engine, view, revoke and logout, and writes screenshots to $E2E_ARTIFACTS (default artifacts/web).
# Exits non-zero when a check fails, the server does not start, or the run exceeds $E2E_TIMEOUT seconds (900).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
executable=${1:-${MEDSEARCH_EXECUTABLE:-$root/.build/debug/medsearch}}
case "$executable" in /*) ;; *) executable="$root/$executable" ;; esac
if [ ! -x "$executable" ]; then
  echo "web-e2e: $executable is not an executable (build it first, e.g. swift build)" >&2
  exit 2
fi

# Debian packages through the one idempotent installer (it adds nothing already installed).
scripts/setup.sh chromium chromium-driver

venv=${E2E_VENV:-$root/.venv-e2e}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "selenium>=4.20,<5"
fi

export MEDSEARCH_EXECUTABLE="$executable"
export E2E_ARTIFACTS=${E2E_ARTIFACTS:-$root/artifacts/web}
export E2E_ADMIN_PASSWORD="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SE_OFFLINE=true  # Selenium Manager must not download drivers: Debian's chromedriver is used
status=0
timeout --kill-after=30 "${E2E_TIMEOUT:-900}" "$venv/bin/python" scripts/web-e2e/e2e.py || status=$?
if [ "$status" -eq 124 ]; then echo "web-e2e: timed out after ${E2E_TIMEOUT:-900} s" >&2; fi
echo "web-e2e: screenshots and server log in $E2E_ARTIFACTS"
exit "$status"
