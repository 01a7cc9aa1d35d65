#!/usr/bin/env bash
# Starts the whole platform with demo data (`edu up`). Installs uv and the locked dependencies
# when missing. Uses DATABASE_URL/REDIS_URL, else local servers, else embedded ones in .edu/.
set -euo pipefail
cd "$(dirname "$0")"
source tools/ensure-uv.sh
exec uv run edu up "$@"
