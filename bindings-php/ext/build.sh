#!/usr/bin/env bash
# Build the wxpay PHP extension (wxpay.so) against this checkout's libwxpay.a:
#   bindings-php/ext/build.sh [debug|release]    → prints the path of wxpay.so
# It builds libwxpay.a (cargo), lays out a prefix (include/wxpay.h, lib/libwxpay.a) under
# target/php-ext/PROFILE, and runs phpize + configure + make in a copy of the sources there
# (phpize writes into the folder it runs in). Needs phpize (Debian: php-dev).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
profile="${1:-release}"
target="${CARGO_TARGET_DIR:-$root/target}"
command -v phpize >/dev/null || {
  echo "phpize not found: install PHP's development files (Debian: apt-get install php-dev)" >&2
  exit 1
}
cargo build -q -p wxpay-ffi $([[ "$profile" == release ]] && echo --release) --manifest-path "$root/Cargo.toml"
out="$target/php-ext/$profile"
mkdir -p "$out/prefix/include" "$out/prefix/lib" "$out/src"
cp "$root/include/wxpay.h" "$out/prefix/include/wxpay.h"
cp "$target/$profile/libwxpay.a" "$out/prefix/lib/libwxpay.a"
# Rebuild only when a source or the archive changed.
stamp="$out/src/.inputs"
sources=("$root"/bindings-php/ext/*.c "$root"/bindings-php/ext/*.h "$root/bindings-php/ext/config.m4")
inputs="$(cat "${sources[@]}" "$out/prefix/include/wxpay.h" | sha256sum)$(stat -c %Y "$out/prefix/lib/libwxpay.a")"
if [[ ! -f "$out/src/modules/wxpay.so" || "$(cat "$stamp" 2>/dev/null)" != "$inputs" ]]; then
  cp "${sources[@]}" "$out/src/"
  (
    cd "$out/src"
    phpize >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
    ./configure -q --with-wxpay="$out/prefix" >>"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
    make -s -j2 >>"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
  )
  echo "$inputs" >"$stamp"
fi
echo "$out/src/modules/wxpay.so"
