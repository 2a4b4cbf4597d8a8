#!/usr/bin/env bash
# PHP tests: start the sandbox over TLS, then run tests/test_wxpay.php with the PHP CLI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}/debug"
cd "$root"
cargo build -q -p wxpay-ffi -p wxpay-sandbox

work="$(mktemp -d)"
sandbox_pid=""
cleanup() {
  [[ -n "$sandbox_pid" ]] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$target/wxpay-sandbox" --tls --state-dir "$work" --client-config "$work/c.json" >"$work/sandbox.json" &
sandbox_pid=$!
for _ in $(seq 1 100); do [[ -s "$work/sandbox.json" ]] && break; sleep 0.1; done
[[ -s "$work/sandbox.json" ]] || { echo "the sandbox did not start" >&2; exit 1; }

export WXPAY_TEST_CONFIG="$work/c.json" WXPAY_LIB="$target/libwxpay.so"
php -d zend.assertions=1 bindings-php/tests/test_wxpay.php
