#!/usr/bin/env bash
# Scrapes /metrics of a real role over mutual TLS and checks the exposition with `promtool check metrics`
# (Debian's prometheus package; scripts/setup.sh installs it). Skips with the reason when promtool or curl is
# missing. Usage: scripts/check-metrics.sh [path/to/medsearch]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
medsearch=${1:-$root/.build/debug/medsearch}
for tool in promtool curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-metrics: SKIP ($tool is not installed)" >&2
    exit 0
  fi
done
work=$(mktemp -d)
node_pid=""
cleanup() { [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$medsearch" pki init --dir "$work/pki" --name metrics >/dev/null
"$medsearch" pki issue --dir "$work/pki" --role storage-node --name node0 --days 1 >/dev/null
"$medsearch" pki issue --dir "$work/pki" --role edge-master --name master --days 1 >/dev/null
token="ms_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
(umask 077; printf '{"tokens": {"%s": "edge-master"}}\n' "$token" > "$work/tokens.json")
"$medsearch" serve storage-node --port 0 --data-dir "$work/node0" --tokens "$work/tokens.json" --name node0 \
  --tls-ca "$work/pki/ca.pem" --tls-cert "$work/pki/node0.pem" --tls-key "$work/pki/node0.key" \
  > "$work/out" 2> "$work/node0.log" &
node_pid=$!
for _ in $(seq 1 600); do grep -q MEDSEARCH_LISTENING "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^MEDSEARCH_LISTENING //p' "$work/out")
[ -n "$url" ] || { echo "check-metrics: the storage node did not start" >&2; cat "$work/node0.log" >&2; exit 1; }
tls=(--silent --show-error --fail --cacert "$work/pki/ca.pem" --cert "$work/pki/master.pem" --key "$work/pki/master.key")
share=$(printf 'a%.0s' $(seq 1 32))
curl "${tls[@]}" -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' \
  --data-binary 'share bytes' "$url/trustmed/v1/shares/$share" >/dev/null
curl "${tls[@]}" "$url/metrics" > "$work/metrics.txt"
# Without a client certificate the role refuses the connection (and counts it).
if curl --silent --cacert "$work/pki/ca.pem" "$url/metrics" >/dev/null 2>&1; then
  echo "check-metrics: a client without a certificate was served" >&2; exit 1
fi
curl "${tls[@]}" "$url/metrics" > "$work/metrics.txt"
promtool check metrics < "$work/metrics.txt"
for metric in medsearch_requests_total medsearch_request_duration_seconds_bucket medsearch_request_bytes_total \
              medsearch_records_stored medsearch_tls_handshake_failures_total; do
  grep -q "^$metric" "$work/metrics.txt" || { echo "check-metrics: $metric missing" >&2; exit 1; }
done
grep -q '^medsearch_tls_handshake_failures_total [1-9]' "$work/metrics.txt" \
  || { echo "check-metrics: the refused handshake was not counted" >&2; exit 1; }
echo "check-metrics: promtool accepts the exposition of $url/metrics ($(grep -c '^medsearch_' "$work/metrics.txt") samples)"
