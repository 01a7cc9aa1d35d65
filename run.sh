#!/usr/bin/env bash
# Starts the whole platform with demo data (`edu up`). Installs uv and the locked dependencies
# when missing. Uses DATABASE_URL/REDIS_URL, else local servers, else embedded ones in .edu/.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  echo "== installing uv"
  python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv
fi
uv sync --frozen --quiet
exec uv run edu up "$@"
