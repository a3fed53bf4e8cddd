#!/usr/bin/env bash
# Runs the store-push tests against a real PostgreSQL server: installs Debian's postgresql when
# it is missing, starts a throwaway server (its own folder, a free port, trust login on
# 127.0.0.1, stopped and removed at the end) and runs `cargo test` with JIXIAO_TEST_POSTGRES
# pointing at it — the tests that otherwise say they were skipped for want of a server.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ]; then
  echo "installing PostgreSQL (postgresql)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq > /dev/null
  apt-get install -y -qq postgresql > /dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

data=$(mktemp -d)
cleanup() {
  as_postgres "$bin/pg_ctl" -D "$data/db" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$data"
}
# The server refuses to run as root: it runs as the postgres user when we are root.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
trap cleanup EXIT
if [ "$(id -u)" = 0 ]; then chown postgres "$data"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_postgres "$bin/initdb" -D "$data/db" -U jixiao -A trust -E UTF8 --locale=C.UTF-8 > "$data/initdb.log" 2>&1 \
  || { cat "$data/initdb.log"; exit 1; }
as_postgres "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1" start > /dev/null \
  || { cat "$data/server.log"; exit 1; }

export JIXIAO_TEST_POSTGRES="postgres://jixiao@127.0.0.1:$port/postgres"
cargo test --release --quiet --test tests postgres -- --nocapture 2>&1 | tee "$data/test.log" | grep -E "^test |test result|push" || true
grep -q "test result: ok" "$data/test.log" || { cat "$data/test.log"; exit 1; }
if grep -q "skipped" "$data/test.log"; then echo "a PostgreSQL test was skipped with a server given"; exit 1; fi
echo "PostgreSQL check: store push tested against PostgreSQL $("$bin/postgres" --version | awk '{print $3}')"
