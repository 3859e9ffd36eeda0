#!/usr/bin/env bash
# Documentation lint: every public declaration documented, doc comments valid and written with ///, imports
# ordered (the rules enabled in .swift-format). Formatting itself is not enforced.
# Usage: scripts/check.sh [PATH...]   (default: Sources)   Exit 1 when there are findings.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(Sources)
rules='AllPublicDeclarationsHaveDocumentation|ValidateDocumentationComments|UseTripleSlashForDocumentationComments|OrderedImports'
findings=$(swift format lint --configuration .swift-format -r "${paths[@]}" 2>&1 | grep -E "\[($rules)\]" || true)
if [ -n "$findings" ]; then
    printf '%s\n' "$findings"
    echo "check: $(printf '%s\n' "$findings" | wc -l) documentation findings" >&2
    exit 1
fi
echo "check: no documentation findings"
