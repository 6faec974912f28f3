#!/bin/sh
# First start on an empty data directory: initdb (the superuser's password from POSTGRES_PASSWORD), clients on
# the network with a password (scram-sha-256), on the local socket without, and the database POSTGRES_DB.
# Then, every start: PostgreSQL as the postgres user, listening on every address of the container.
set -eu
if [ "${1:-}" != postgres ]; then exec "$@"; fi
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres: the data directory is empty and POSTGRES_PASSWORD is not set: set it to create the cluster" >&2
    exit 1
  fi
  case "$user$db" in *[!A-Za-z0-9_]*)
    echo "postgres: POSTGRES_USER and POSTGRES_DB are letters, digits and _ here" >&2
    exit 1 ;;
  esac
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  as_postgres initdb --pgdata="$PGDATA" --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\" OWNER \"$user\"" | as_postgres postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
  echo "postgres: created the cluster in $PGDATA (database $db, superuser $user)" >&2
fi
shift
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -c listen_addresses='*' "$@"
