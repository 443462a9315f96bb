#!/usr/bin/env bash
# Local scale-out recipe: PostgreSQL + Redis + two daphne processes (ports 8001 and 8002).
# Put any load balancer in front that upgrades /ws/ (docs/operations.md shows nginx); or point
# clients at the two ports directly: websocket fan-out between them goes through Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/accessible_support}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
db="${DATABASE_URL##*/}"
psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo
pids=()
for port in 8001 8002; do
  .venv/bin/daphne -b 127.0.0.1 -p "$port" access_support.asgi:application &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT INT TERM
echo "serving on http://127.0.0.1:8001 and http://127.0.0.1:8002 (PostgreSQL $db, Redis)"
wait
