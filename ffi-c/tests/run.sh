#!/usr/bin/env bash
# C tests of libwxpay: build the test program twice (linked against libwxpay.so and against
# libwxpay.a) with -Wall -Wextra -Werror, start the sandbox over TLS, run the static build, then
# the dynamic build under valgrind (no errors, no definite or indirect leaks).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}/debug"
cd "$root"
cargo build -q -p wxpay-ffi -p wxpay-sandbox

source scripts/sandbox.sh
work="$(mktemp -d)"
trap 'stop_sandbox; rm -rf "$work"' EXIT

CFLAGS=(-std=c11 -g -O1 -Wall -Wextra -Werror -I"$root/include" "-DFIXTURES=\"$root/tests/fixtures\"")
cc "${CFLAGS[@]}" ffi-c/tests/c/test_wxpay.c -L"$target" -lwxpay -Wl,-rpath,"$target" -lpthread \
  -o "$work/test_dynamic"
cc "${CFLAGS[@]}" ffi-c/tests/c/test_wxpay.c "$target/libwxpay.a" \
  -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o "$work/test_static"
# The static binary must not need libwxpay.so.
if ldd "$work/test_static" | grep -q libwxpay; then
  echo "test_static is linked dynamically against libwxpay" >&2
  exit 1
fi

echo "== make install PREFIX=… and a program built with pkg-config"
make -s install PREFIX="$work/prefix" PROFILE=debug >/dev/null
cat >"$work/version.c" <<'C'
#include <stdio.h>
#include <wxpay.h>
int main(void) { printf("%s\n", wxpay_version()); return 0; }
C
PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" cc -Wall -Werror "$work/version.c" \
  $(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs wxpay) -o "$work/version"
LD_LIBRARY_PATH="$work/prefix/lib" "$work/version" | grep -qx "$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
echo "installed library, header and wxpay.pc work"

start_sandbox "$target" "$work"

export WXPAY_TEST_CONFIG="$work/c.json" WXPAY_VECTORS="$root/tests/vectors/signing.json"
echo "== C tests, statically linked"
"$work/test_static"
echo "== C tests, dynamically linked, under valgrind"
if command -v valgrind >/dev/null; then
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --track-origins=yes "$work/test_dynamic"
else
  echo "valgrind is not installed (apt-get install valgrind)" >&2
  exit 1
fi
