#!/usr/bin/env bash
# Start a throwaway PostgreSQL on loopback for the test suite's second run.
# Prints the SQLAlchemy URL of an empty database on stdout; the server lives until the
# machine's session ends (CI machines are thrown away), in a temporary data directory.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$PGBIN" || ! -x "$PGBIN/initdb" ]]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
# A free loopback port, so a server left running by an earlier run is no obstacle.
PORT=${FOLLOWUP_PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
DATA=$(mktemp -d /tmp/followup-pg.XXXXXX)
RUNAS=()
if [[ $(id -u) -eq 0 ]]; then  # PostgreSQL refuses to run as root
  chown postgres "$DATA"
  RUNAS=(runuser -u postgres --)
fi
"${RUNAS[@]}" "$PGBIN/initdb" -D "$DATA/data" -A trust -U followup >/dev/null
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DATA/data" -l "$DATA/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U followup followup_test
echo "postgresql+psycopg://followup@127.0.0.1:$PORT/followup_test"
