#!/usr/bin/env bash
# Starts and stops a throw-away Orthanc (Debian packages orthanc + orthanc-dicomweb) on free loopback ports for
# the DICOMweb scenario tests, with a configuration generated in DIR:
#
#   scripts/dicomweb/orthanc.sh start DIR     # writes DIR/orthanc.json and DIR/env, starts Orthanc, waits for it
#   scripts/dicomweb/orthanc.sh stop DIR      # stops the Orthanc started in DIR (by its pid)
#
# DIR/env exports (source it before `swift test`):
#   MEDSEARCH_ORTHANC_URL        http://127.0.0.1:<port> (Orthanc's REST API, DICOMweb under /dicom-web/)
#   MEDSEARCH_DICOMWEB_PORT      a free port the test's MedSearch web server must listen on
#   MEDSEARCH_DICOMWEB_TOKEN     the bearer token Orthanc sends to MedSearch (DicomWeb.Servers "medsearch")
# Orthanc runs as the invoking user (root is fine: it needs no privileges, binds 127.0.0.1 only, no DICOM port).
set -euo pipefail
command=${1:?usage: orthanc.sh start|stop DIR}
dir=${2:?usage: orthanc.sh start|stop DIR}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# The port MedSearch's test server binds again and again (Orthanc pushes to it): a free one in 5000-9999, below
# the kernel's ephemeral range (no outgoing connection of the parallel tests can take it between two binds) and
# below the ports MedSearch's launcher picks for roles started without one (10000 up, LocalPorts.swift).
free_low_port() {
  python3 - <<'PY'
import random, socket
for _ in range(200):
    port = random.randrange(5000, 10000)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        s.close()
else:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

case "$command" in
start)
  command -v Orthanc >/dev/null 2>&1 || { echo "orthanc.sh: Orthanc is not installed (scripts/setup.sh orthanc orthanc-dicomweb)" >&2; exit 2; }
  plugin=$(ls /usr/lib/orthanc/libOrthancDicomWeb.so* 2>/dev/null | head -1)
  [ -n "$plugin" ] || { echo "orthanc.sh: the DICOMweb plugin is not installed (orthanc-dicomweb)" >&2; exit 2; }
  mkdir -p "$dir/storage" "$dir/index"
  http_port=$(free_port)
  medsearch_port=$(free_low_port)
  token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  umask 077
  cat > "$dir/orthanc.json" <<JSON
{
  "Name": "MedSearchScenario",
  "StorageDirectory": "$dir/storage",
  "IndexDirectory": "$dir/index",
  "HttpPort": $http_port,
  "HttpBindAddress": "127.0.0.1",
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "DicomServerEnabled": false,
  "StableAge": 1,
  "Plugins": ["$plugin"],
  "DicomWeb": {
    "Enable": true,
    "Root": "/dicom-web/",
    "EnableWado": true,
    "Servers": {
      "medsearch": {
        "Url": "http://127.0.0.1:$medsearch_port/dicom-web/",
        "HttpHeaders": {"Authorization": "Bearer $token"}
      }
    }
  }
}
JSON
  Orthanc "$dir/orthanc.json" > "$dir/orthanc.log" 2>&1 &
  echo $! > "$dir/orthanc.pid"
  for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$http_port/system" >/dev/null 2>&1; then
      cat > "$dir/env" <<ENV
export MEDSEARCH_ORTHANC_URL=http://127.0.0.1:$http_port
export MEDSEARCH_DICOMWEB_PORT=$medsearch_port
export MEDSEARCH_DICOMWEB_TOKEN=$token
ENV
      echo "orthanc.sh: Orthanc $(Orthanc --version 2>/dev/null | head -1 | cut -d' ' -f2) on http://127.0.0.1:$http_port" >&2
      exit 0
    fi
    kill -0 "$(cat "$dir/orthanc.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "orthanc.sh: Orthanc did not start; its log:" >&2
  tail -20 "$dir/orthanc.log" >&2 || true
  exit 1
  ;;
stop)
  if [ -f "$dir/orthanc.pid" ]; then
    pid=$(cat "$dir/orthanc.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/orthanc.pid"
  fi
  ;;
*)
  echo "usage: orthanc.sh start|stop DIR" >&2
  exit 2
  ;;
esac
