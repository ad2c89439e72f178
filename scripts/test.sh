#!/usr/bin/env bash
# The whole test suite: `make test` runs this.
#
# 1. Everything on SQLite (the embedded default).
# 2. Again on PostgreSQL (127.0.0.1:5432), all but the browser tests.
# With CI=true a missing service fails the run; without it, what could not run
# is named at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_ENV=test
export PYTHONDONTWRITEBYTECODE=1
PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/tipcast}"
is_ci() { case "${CI:-}" in 1|true|TRUE|yes) return 0;; *) return 1;; esac; }

not_run=()
status=0

echo "== Tests on SQLite"
"$PY" -m pytest "$@" || status=$?

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || "$PY" - <<'PYEOF' 2>/dev/null
import socket; socket.create_connection(("127.0.0.1", 5432), timeout=1)
PYEOF
then
  echo "== Tests on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" "$PY" -m pytest -m "not browser" -p no:cacheprovider "$@" || status=$?
else
  if is_ci; then
    echo "FAILED: PostgreSQL is not reachable at 127.0.0.1:5432, and CI=true requires it." >&2
    status=1
  else
    not_run+=("the PostgreSQL run (nothing listens on 127.0.0.1:5432)")
  fi
fi

if [ ${#not_run[@]} -gt 0 ]; then
  echo
  echo "Not run on this machine:"
  printf -- '- %s\n' "${not_run[@]}"
  echo "(tests skipped for a missing service are listed above as SKIPPED, with the reason)"
fi
exit $status
