#!/usr/bin/env bash
# Install and start Debian's PostgreSQL on 127.0.0.1:5432 with a throwaway database and write
# its URL to .ci/pg.env for the store's tests.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
ver=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_ctlcluster "$ver" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1" && break
  sleep 0.5
done
su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='st'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"create user st with password 'st' superuser\""
su postgres -c "psql -qtAc \"select 1 from pg_database where datname='studytool_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O st studytool_test"
echo "export STUDYTOOL_TEST_PG='postgresql+psycopg://st:st@127.0.0.1/studytool_test'" > .ci/pg.env
echo "ci: PostgreSQL $ver ready"
