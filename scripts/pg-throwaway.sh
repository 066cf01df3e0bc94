# Sourced: start a throwaway PostgreSQL cluster (as the postgres user when run as root) in a temp folder ($TMPDIR,
# else /tmp; scripts/test-all points TMPDIR at a tmpfs: see there)
# and export CTP_TEST_DATABASE_URL; pg_throwaway_stop stops it and removes the folder.
# The port is CTP_PG_PORT, or the first free one in 55400-55499. Returns non-zero (never exits) on failure.
PG_BIN="$1"
pg_throwaway_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  [ -f "$PG_DIR/data/postmaster.pid" ] && _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  PG_DIR=
}
_pg_as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
_pg_free_port() {
  local port
  for port in $(seq 55400 55499); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  return 1
}
_pg_start() {
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ctp-pg-XXXXXX") || return 1
  PG_PORT=${CTP_PG_PORT:-$(_pg_free_port)} || { echo "no free port for PostgreSQL in 55400-55499"; return 1; }
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent postgres
    chown postgres "$PG_DIR"
  fi
  _pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-instructions -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c max_wal_size=512MB" start >/dev/null \
    || { cat "$PG_DIR/server.log"; return 1; }
  export CTP_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
  export CTP_TEST_PG_BIN="$PG_BIN" CTP_TEST_PG_DATA="$PG_DIR/data"
}
_pg_start || { pg_throwaway_stop; false; }
