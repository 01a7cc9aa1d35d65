# Sourced by run.sh and test.sh: puts uv on PATH (installing it from PyPI when missing) and
# installs the locked dependencies into .venv.
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  echo "== installing uv"
  python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv
fi
echo "== installing locked dependencies"
uv sync --frozen --quiet
