# Sourced by run.sh and test.sh: puts uv on PATH (installing it from PyPI when missing) and
# installs the locked dependencies into .venv.
export PATH="$HOME/.local/bin:$PWD/.tools/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  echo "== installing uv"
  # A user install where pip allows it; otherwise (an externally managed Python, PEP 668)
  # a private virtual environment in .tools/.
  python3 -m pip install --user --quiet uv 2>/dev/null \
    || { python3 -m venv .tools && .tools/bin/pip install --quiet uv; }
fi
echo "== installing locked dependencies"
uv sync --frozen --quiet
