#!/usr/bin/env bash
# Installs the Debian packages MedSearch builds against, only those missing (idempotent).
# Extra packages can be named as arguments (the web tests ask for chromium and chromium-driver).
# wrk is the load generator of `medsearch bench load`; curl logs its web-search run in.
set -euo pipefail
packages=(libgmp-dev libjpeg62-turbo-dev zlib1g-dev libsqlite3-dev libssl-dev wrk curl "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v swift >/dev/null 2>&1 || { echo "setup: swift is not on PATH (Swift 6.x is required)" >&2; exit 1; }
# promtool (Debian's prometheus package) checks the /metrics exposition in scripts/check-metrics.sh; optional:
# without it that check is skipped with its reason.
if ! command -v promtool >/dev/null 2>&1 && ! dpkg -s prometheus >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing prometheus (for promtool)" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >&2 \
    || echo "setup: prometheus could not be installed; the promtool check will be skipped" >&2
fi
