#!/usr/bin/env bash
# Browser end-to-end test of `medsearch serve web`: installs Chromium and its driver (Debian) and Selenium
# (PyPI, in .venv-e2e) when missing, then runs e2e.py against the debug build. Screenshots: artifacts/web/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
scripts/setup.sh chromium chromium-driver
venv="$root/.venv-e2e"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import selenium" 2>/dev/null || "$venv/bin/pip" install --quiet --disable-pip-version-check "selenium>=4.20,<5"
export E2E_ADMIN_PASSWORD="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SE_OFFLINE=true
exec "$venv/bin/python" scripts/web-e2e/e2e.py
