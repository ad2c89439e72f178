#!/usr/bin/env bash
# The whole test suite: `make test` runs this.
#
# Every test on SQLite (the embedded default), and all but the browser tests again on
# PostgreSQL (127.0.0.1:5432).
#
# Without arguments the two databases run side by side (a process each, one core each on
# a 2-core machine), then the tests marked e2e or redis run one database at a time: they
# start real processes and use fixed Redis database numbers (6, 11, REDIS_URL's), which
# two runs at once would empty under each other. PostgreSQL's output is printed when its
# side-by-side run ends. With arguments (a path, -k, -m...), which may select those tests,
# or with TEST_SERIAL=1, SQLite then PostgreSQL run one after the other.
#
# With CI=true a missing service fails the run; without it, what could not run
# is named at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_ENV=test
export PYTHONDONTWRITEBYTECODE=1
PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/tipcast}"
SHARED="e2e or redis"
is_ci() { case "${CI:-}" in 1|true|TRUE|yes) return 0;; *) return 1;; esac; }

not_run=()
status=0

sqlite() { "$PY" -m pytest "$@"; }
postgres() { DATABASE_URL="$PG_URL" exec "$PY" -m pytest -p no:cacheprovider "$@"; }

postgres_reachable() {
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || "$PY" - <<'PYEOF' 2>/dev/null
import socket; socket.create_connection(("127.0.0.1", 5432), timeout=1)
PYEOF
}

if ! postgres_reachable; then
  echo "== Tests on SQLite"
  sqlite "$@" || status=$?
  if is_ci; then
    echo "FAILED: PostgreSQL is not reachable at 127.0.0.1:5432, and CI=true requires it." >&2
    status=1
  else
    not_run+=("the PostgreSQL run (nothing listens on 127.0.0.1:5432)")
  fi
elif [ $# -gt 0 ] || [ "${TEST_SERIAL:-}" = 1 ]; then
  echo "== Tests on SQLite"
  sqlite "$@" || status=$?
  echo "== Tests on PostgreSQL ($PG_URL)"
  (postgres -m "not browser" "$@") || status=$?
else
  pg_log="$(mktemp "${TMPDIR:-/tmp}/tipcast-postgres-tests.XXXXXX")"
  echo "== Tests on SQLite, and on PostgreSQL ($PG_URL) at the same time, but those marked $SHARED"
  (postgres -m "not browser and not ($SHARED)") >"$pg_log" 2>&1 &
  pg_pid=$!
  # Ctrl-C or a CI timeout stops the PostgreSQL run too.
  trap 'kill -- "$pg_pid" 2>/dev/null; rm -f "$pg_log"' EXIT
  trap 'exit 130' INT TERM
  sqlite -m "not ($SHARED)" || status=$?
  wait "$pg_pid" || status=$?
  echo "== Tests on PostgreSQL ($PG_URL), but those marked $SHARED (run at the same time as SQLite's)"
  cat "$pg_log"
  echo "== Tests marked $SHARED on SQLite"
  sqlite -m "$SHARED" || status=$?
  echo "== Tests marked $SHARED on PostgreSQL ($PG_URL)"
  (postgres -m "($SHARED) and not browser") || status=$?
fi

if [ ${#not_run[@]} -gt 0 ]; then
  echo
  echo "Not run on this machine:"
  printf -- '- %s\n' "${not_run[@]}"
  echo "(tests skipped for a missing service are listed above as SKIPPED, with the reason)"
fi
exit $status
