#!/usr/bin/env bash
# Runs every check and test. Installs uv and the locked dependencies when missing. Tests use
# TEST_DATABASE_URL/TEST_REDIS_URL, else the local Postgres/Redis, else embedded ones in .edu-test/;
# they never touch the `edu` database that `edu up` uses.
set -euo pipefail
cd "$(dirname "$0")"
source tools/ensure-uv.sh
source tools/ensure-ops-tools.sh
source tools/ensure-browser.sh
echo "== ruff"
uv run ruff check .
echo "== mypy"
uv run mypy
echo "== import boundaries"
uv run lint-imports
if command -v npm >/dev/null 2>&1; then
  echo "== web app (apps/web): npm ci, typecheck, lint"
  (cd apps/web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent typecheck \
     && npm run --silent lint)
else
  echo "== web app skipped: npm is not installed (Node.js 20+ is needed for apps/web)"
fi
echo "== pytest"
uv run pytest "$@"
