#!/usr/bin/env bash
# Python tests: a venv with maturin/pytest/mypy (created if missing), the extension built into it
# with `maturin develop`, pytest against the TLS sandbox, then a wheel installed into a fresh
# venv with nothing else.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="$(scripts/python-env.sh)"
cargo build -q -p wxpay-sandbox -p wxpay-cli

echo "== pytest"
"$venv/bin/python" -m pytest -q bindings-python/tests

echo "== the wheel installs into a fresh venv with nothing else"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd bindings-python && "$venv/bin/maturin" build -q --profile dev -o "$work/dist")
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check --no-index "$work"/dist/wxpay_apiv3-*.whl
(cd "$work" && "$work/venv/bin/python" -c '
import wxpay, wxpay._native
assert wxpay.__version__
try:
    wxpay.Client(mchid="1", serial="S", private_key="not a key", certs={"PUB_KEY_ID_1": "x"})
except wxpay.ConfigError as e:
    assert "private_key" in str(e), e
else:
    raise SystemExit("expected a ConfigError")
from importlib.metadata import entry_points
assert [e.value for e in entry_points(group="pytest11") if e.name == "wxpay"] == ["wxpay.pytest_plugin"]
import wxpay.testing
print("wheel OK:", wxpay.__version__, wxpay._native.__file__)
')

echo "== examples/python/checkout.py with the wheel installed (fresh venv), against wxpay sandbox"
WXPAY_CLI="${CARGO_TARGET_DIR:-$root/target}/debug/wxpay" examples/run.sh python "$work/venv/bin/python"
