#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1:$PORT and print its URL (for tests). Usage:
#   eval "$(.ci/postgres.sh start)"   # exports REVIEWLAB_TEST_POSTGRES_URL and PG_TEST_DIR
#   .ci/postgres.sh stop "$PG_TEST_DIR"
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PORT=${PORT:-54329}
case "${1:-}" in
start)
    D=$(mktemp -d); chown postgres: "$D"
    runuser -u postgres -- "$PGBIN/initdb" -D "$D/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -l "$D/log" -w \
        -o "-p $PORT -k $D -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    echo "export PG_TEST_DIR=$D REVIEWLAB_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
    ;;
stop)
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$2/data" -m immediate -w stop >/dev/null
    ;;
*) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
