# Sourced: start a throwaway PostgreSQL cluster (as the postgres user when run as root) in a temp folder
# and export CTP_TEST_DATABASE_URL; pg_throwaway_stop removes it.
PG_BIN="$1"
PG_DIR=$(mktemp -d /tmp/ctp-pg-XXXXXX)
PG_PORT=${CTP_PG_PORT:-$(( 55000 + RANDOM % 1000 ))}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PG_DIR" postgres
  chown postgres "$PG_DIR"
fi
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-instructions -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
  || { cat "$PG_DIR/initdb.log"; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
  || { cat "$PG_DIR/server.log"; exit 1; }
export CTP_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
export CTP_TEST_PG_BIN="$PG_BIN" CTP_TEST_PG_DATA="$PG_DIR/data"
pg_throwaway_stop() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
}
