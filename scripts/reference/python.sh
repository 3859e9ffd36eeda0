#!/usr/bin/env bash
# Runs a reference-implementation script with the benchmark virtual environment (.venv-bench at the repository
# root), creating it and installing scripts/reference/requirements.txt on first use.
# Usage: scripts/reference/python.sh scripts/reference/<suite>.py [args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.venv-bench"
requirements="$root/scripts/reference/requirements.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$want" > "$stamp"
fi
exec "$venv/bin/python" "$@"
