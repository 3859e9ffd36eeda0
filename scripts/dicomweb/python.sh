#!/usr/bin/env bash
# Runs a Python script with the DICOMweb client virtual environment (.venv-dicomweb at the repository root,
# or $DICOMWEB_VENV), creating it and installing the dicomweb-client package (and pydicom, its dependency) on
# first use. Usage: scripts/dicomweb/python.sh SCRIPT.py [args...]; with no arguments it only prepares the
# environment and prints the interpreter's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${DICOMWEB_VENV:-$root/.venv-dicomweb}
requirements="$root/scripts/dicomweb/requirements.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$want" > "$stamp"
fi
if [ $# -eq 0 ]; then echo "$venv/bin/python"; exit 0; fi
exec "$venv/bin/python" "$@"
