#!/usr/bin/env bash
# Kept for existing instructions: the browser end-to-end test now lives in ci.sh (same arguments).
exec "$(dirname "$0")/ci.sh" "$@"
