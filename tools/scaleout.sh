#!/usr/bin/env bash
# Local scale-out: nginx on 127.0.0.1:8000 (deploy/nginx/locations.conf, as production includes
# it; tools/nginx_front.py) in front of two daphne processes (8001, 8002) on PostgreSQL + Redis.
# Websocket fan-out between the processes goes through Redis.
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
  .venv/bin/daphne --proxy-headers -b 127.0.0.1 -p "$port" access_support.asgi:application &
  pids+=($!)
done
.venv/bin/python tools/nginx_front.py --port "${FRONT_PORT:-8000}" --upstream 8001 8002 &
pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null' EXIT INT TERM
echo "serving on http://127.0.0.1:${FRONT_PORT:-8000} (nginx) in front of daphne on 8001 and 8002 (PostgreSQL $db, Redis)"
wait
