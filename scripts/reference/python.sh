#!/usr/bin/env bash
# Runs a reference-implementation script in a virtual environment at the repository root, creating it and
# installing its requirements on first use (and again when the requirements file changes).
#   MEDSEARCH_PYTHON_ENV=bench (default): .venv-bench, scripts/reference/requirements.txt (every benchmark reference)
#   MEDSEARCH_PYTHON_ENV=test: .venv-test, scripts/reference/requirements-test.txt (pydicom and numpy: the
#     independent DICOM reader the imaging tests check against; scripts/test.sh prepares it)
# Usage: scripts/reference/python.sh scripts/reference/<suite>.py [args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kind="${MEDSEARCH_PYTHON_ENV:-bench}"
case "$kind" in
  bench) requirements="$root/scripts/reference/requirements.txt" ;;
  test) requirements="$root/scripts/reference/requirements-test.txt" ;;
  *) echo "python.sh: MEDSEARCH_PYTHON_ENV must be bench or test, not $kind" >&2; exit 2 ;;
esac
venv="$root/.venv-$kind"
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
