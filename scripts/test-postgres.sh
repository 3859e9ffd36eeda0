#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for the tests and exports MEDSEARCH_TEST_POSTGRES_URL; source it, then call
# `medsearch_postgres_start` (scripts/test.sh does). The cluster lives in a temporary directory, listens on a free
# loopback port only, runs as a non-root user (initdb refuses root: `nobody` when run as root), requires a random
# password (SCRAM), and is stopped and removed on exit. When it cannot start, MEDSEARCH_TEST_POSTGRES_SKIP says why
# and the PostgreSQL tests are reported as skipped with that reason. MEDSEARCH_PG_DURABLE=1 keeps PostgreSQL's
# durable defaults (fsync on) for `medsearch bench store`.

medsearch_postgres_stop() {
  if [ -n "${MEDSEARCH_PG_DIR:-}" ] && [ -d "$MEDSEARCH_PG_DIR" ]; then
    if [ -f "$MEDSEARCH_PG_DIR/data/postmaster.pid" ]; then
      medsearch_pg_as "$MEDSEARCH_PG_BIN/pg_ctl" -D "$MEDSEARCH_PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$MEDSEARCH_PG_DIR"
  fi
  unset MEDSEARCH_PG_DIR
}

medsearch_pg_as() {
  if [ -n "${MEDSEARCH_PG_USER:-}" ]; then runuser -u "$MEDSEARCH_PG_USER" -- "$@"; else "$@"; fi
}

medsearch_pg_skip() {
  export MEDSEARCH_TEST_POSTGRES_SKIP="$1"
  unset MEDSEARCH_TEST_POSTGRES_URL
  echo "test: PostgreSQL tests will be SKIPPED: $1" >&2
  medsearch_postgres_stop
  return 0
}

medsearch_postgres_start() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [ -n "${MEDSEARCH_TEST_POSTGRES_URL:-}" ]; then
    echo "test: using the PostgreSQL server given in MEDSEARCH_TEST_POSTGRES_URL" >&2
    return 0
  fi
  "$root/scripts/setup.sh" postgresql >&2 || { medsearch_pg_skip "installing Debian's postgresql failed"; return 0; }
  MEDSEARCH_PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -x "$MEDSEARCH_PG_BIN/initdb" ] || { medsearch_pg_skip "no initdb under /usr/lib/postgresql/*/bin"; return 0; }
  MEDSEARCH_PG_USER=""
  if [ "$(id -u)" -eq 0 ]; then MEDSEARCH_PG_USER=nobody; fi
  MEDSEARCH_PG_DIR="$(mktemp -d /tmp/medsearch-pg.XXXXXX)"
  trap medsearch_postgres_stop EXIT
  local password port
  password="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  (umask 077; printf '%s\n' "$password" >"$MEDSEARCH_PG_DIR/pwfile")
  [ -z "$MEDSEARCH_PG_USER" ] || chown -R "$MEDSEARCH_PG_USER" "$MEDSEARCH_PG_DIR"
  if ! medsearch_pg_as "$MEDSEARCH_PG_BIN/initdb" -D "$MEDSEARCH_PG_DIR/data" -U medsearch --pwfile="$MEDSEARCH_PG_DIR/pwfile" \
      --auth-host=scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --no-locale >"$MEDSEARCH_PG_DIR/initdb.log" 2>&1; then
    medsearch_pg_skip "initdb failed: $(tail -n 2 "$MEDSEARCH_PG_DIR/initdb.log" | tr '\n' ' ')"; return 0
  fi
  rm -f "$MEDSEARCH_PG_DIR/pwfile"
  # Tests trade durability for speed; MEDSEARCH_PG_DURABLE=1 keeps PostgreSQL's defaults (the store benchmark).
  local speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${MEDSEARCH_PG_DURABLE:-0}" = "1" ] && speed=""
  for _ in 1 2 3 4 5; do
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
      || echo $((20000 + RANDOM % 20000)))"
    if medsearch_pg_as "$MEDSEARCH_PG_BIN/pg_ctl" -D "$MEDSEARCH_PG_DIR/data" -l "$MEDSEARCH_PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$MEDSEARCH_PG_DIR $speed -c max_connections=300" \
        start >/dev/null 2>&1; then
      export MEDSEARCH_TEST_POSTGRES_URL="postgres://medsearch:${password}@127.0.0.1:${port}/postgres?sslmode=disable"
      unset MEDSEARCH_TEST_POSTGRES_SKIP
      echo "test: PostgreSQL $("$MEDSEARCH_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (private cluster in $MEDSEARCH_PG_DIR)" >&2
      return 0
    fi
  done
  medsearch_pg_skip "pg_ctl could not start the server: $(tail -n 2 "$MEDSEARCH_PG_DIR/server.log" 2>/dev/null | tr '\n' ' ')"
}
