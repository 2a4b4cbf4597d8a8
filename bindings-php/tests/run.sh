#!/usr/bin/env bash
# PHP tests: start the sandbox over TLS, then run the PHP suite with the PHP CLI on both drivers
# (FFI and the wxpay extension).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}/debug"
cd "$root"
cargo build -q -p wxpay-ffi -p wxpay-sandbox -p wxpay-cli

source scripts/sandbox.sh
work="$(mktemp -d)"
trap 'stop_sandbox; rm -rf "$work"' EXIT
start_sandbox "$target" "$work"

export WXPAY_TEST_CONFIG="$work/c.json" WXPAY_LIB="$target/libwxpay.so"
# Wxpay\Testing\Sandbox (test_lifecycle.php, the PHPUnit suite) runs this checkout's `wxpay sandbox`.
export WXPAY_CLI="$target/wxpay"
# The whole suite runs on both drivers: FFI over libwxpay.so, and the wxpay extension (wxpay.so,
# libwxpay.a linked in), each checked to be the one in use.
ext="$(bindings-php/ext/build.sh debug)"
for driver in ffi ext; do
  echo "== PHP suite, $driver driver"
  args=(-d zend.assertions=1)
  [[ "$driver" == ext ]] && args+=(-d "extension=$ext")
  export WXPAY_DRIVER="$driver"
  php "${args[@]}" bindings-php/tests/test_wxpay.php
  php "${args[@]}" bindings-php/tests/test_faults.php
  WXPAY_PHP_ARGS="${args[*]}" php "${args[@]}" bindings-php/tests/test_notifications.php
  php "${args[@]}" bindings-php/tests/test_certificates.php
  php "${args[@]}" bindings-php/tests/test_events.php
  php "${args[@]}" bindings-php/tests/test_files.php
  php "${args[@]}" bindings-php/tests/test_catalogue.php
  WXPAY_PHP_ARGS="${args[*]}" php "${args[@]}" bindings-php/tests/test_lifecycle.php
  php "${args[@]}" "$(command -v phpunit)" --do-not-cache-result --bootstrap bindings-php/autoload.php bindings-php/tests/phpunit
  php "${args[@]}" bindings-php/tests/test_hostile.php 2> >(tee "$work/stderr.txt" >&2)
  if grep -q "panicked" "$work/stderr.txt"; then
    echo "a panic message reached PHP's stderr" >&2
    exit 1
  fi
done
unset WXPAY_DRIVER

echo "== examples/php/checkout.php with the package installed by Composer (extension, then FFI)"
examples/run.sh php -d "extension=$ext"
examples/run.sh php

echo "== PHP under php-fpm (extension, and FFI with the preload recipe)"
bindings-php/tests/fpm/run.sh "$work" "$ext"
