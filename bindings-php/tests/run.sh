#!/usr/bin/env bash
# PHP tests: start the sandbox over TLS, then run tests/test_wxpay.php with the PHP CLI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}/debug"
cd "$root"
cargo build -q -p wxpay-ffi -p wxpay-sandbox

source scripts/sandbox.sh
work="$(mktemp -d)"
trap 'stop_sandbox; rm -rf "$work"' EXIT
start_sandbox "$target" "$work"

export WXPAY_TEST_CONFIG="$work/c.json" WXPAY_LIB="$target/libwxpay.so"
php -d zend.assertions=1 bindings-php/tests/test_wxpay.php
php -d zend.assertions=1 bindings-php/tests/test_faults.php
php -d zend.assertions=1 bindings-php/tests/test_hostile.php 2> >(tee "$work/stderr.txt" >&2)
if grep -q "panicked" "$work/stderr.txt"; then
  echo "a panic message reached PHP's stderr" >&2
  exit 1
fi
