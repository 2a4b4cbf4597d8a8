#!/usr/bin/env bash
# Prepare the project's Python venv (.venv, or $WXPAY_VENV): maturin, pytest and mypy from
# bindings-python/requirements-dev.txt, and the wxpay extension built into it (maturin develop).
# Prints the venv's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${WXPAY_VENV:-$root/.venv}"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv" >&2
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r "$root/bindings-python/requirements-dev.txt" >&2
(cd "$root/bindings-python" && VIRTUAL_ENV="$venv" "$venv/bin/maturin" develop -q >&2)
echo "$venv"
