#!/usr/bin/env bash
# make test-dist: install every artifact of dist/ (make dist) the way its users do — without
# Rust on PATH — and make the seed's close call against the sandbox over TLS with each:
#   the wheel into a fresh venv (pip --no-index), the npm tarballs into a fresh project
#   (npm install, no build step), the C tarball into a prefix and a program built with
#   pkg-config (dynamic and static), the PHP package through a Composer path repository with
#   libwxpay.so found by the dynamic loader.
# Then every binary's glibc floor (highest GLIBC_ symbol version <= 2.17) and the C library's
# exports (wxpay_* only).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
dist="$root/dist"
bin="${CARGO_TARGET_DIR:-$root/target}/debug"
[[ -d "$dist" ]] || { echo "no dist/: run make dist first" >&2; exit 1; }
cargo build -q -p wxpay-sandbox

source scripts/sandbox.sh
work="$(mktemp -d)"
trap 'stop_sandbox; rm -rf "$work"' EXIT
start_sandbox "$bin" "$work"
config="$work/c.json"
# What users have: no cargo, no rustc, no project target/ on PATH.
clean_path="/usr/local/bin:/usr/bin:/bin"
node_dir="$(dirname "$(command -v node)")"
[[ ":$clean_path:" == *":$node_dir:"* ]] || clean_path="$clean_path:$node_dir"
run() { env -i HOME="$work/home" PATH="$clean_path" LANG=C.UTF-8 npm_config_update_notifier=false "$@"; }
mkdir -p "$work/home"
if run sh -c 'command -v cargo || command -v rustc' >/dev/null; then
  echo "cargo or rustc is on the clean PATH ($clean_path): the install tests would not prove anything" >&2
  exit 1
fi

echo "== checksums and size budgets"
(cd "$dist" && sha256sum --quiet -c SHA256SUMS)
[[ "$(cd "$dist" && find . -type f ! -name SHA256SUMS | wc -l)" == "$(wc -l <"$dist/SHA256SUMS")" ]] ||
  { echo "dist/SHA256SUMS does not list every artifact" >&2; exit 1; }
budget() { # FILE MIB: the artifact stays under its budget (release, no debug info)
  local bytes; bytes="$(stat -c %s "$1")"
  if ((bytes > $2 * 1024 * 1024)); then echo "  $1: $((bytes / 1024 / 1024)) MiB, over the $2 MiB budget" >&2; return 1; fi
  echo "  $(basename "$1"): $((bytes / 1024 / 1024)) MiB (budget $2 MiB)"
}
mkdir -p "$work/sizes" && tar -C "$work/sizes" -xzf "$dist"/libwxpay-*.tar.gz
budget "$(ls "$dist"/python/*.whl)" 10
budget "$(ls "$work"/sizes/libwxpay-*/lib/libwxpay.so.*.*.*)" 10
budget "$(ls "$work"/sizes/libwxpay-*/lib/libwxpay.a)" 45
mkdir -p "$work/sizes/npm" && tar -C "$work/sizes/npm" -xzf "$dist"/npm/wxpay-native-linux-x64-gnu-*.tgz
budget "$work/sizes/npm/package/wxpay.linux-x64-gnu.node" 10
if readelf -S "$(ls "$work"/sizes/libwxpay-*/lib/libwxpay.so.*.*.*)" | grep -q '\.debug_info'; then
  echo "libwxpay.so carries debug info" >&2; exit 1
fi

echo "== the README's C recipe, verbatim (its install block and the tarball's own README)"
# The README's three lines after `npm install` / `composer require` in its Install block: the
# tarball unpacked into a prefix and programs built against it, run as written with /opt/wxpay
# replaced by a temporary prefix.
recipe="$(sed -n '/^mkdir -p \/opt\/wxpay && tar/,/wxpay-static)/p' README.md)"
[[ "$(wc -l <<<"$recipe")" == 3 ]] || { echo "README.md's C install lines moved: update test-dist" >&2; exit 1; }
mkdir -p "$work/recipe" && cp ffi-c/examples/close_order.c "$work/recipe/app.c" && cp "$dist"/libwxpay-*.tar.gz "$work/recipe/"
recipe="${recipe//\/opt\/wxpay/$work/recipe/opt}"
(cd "$work/recipe" && n=0 && while IFS= read -r line; do
   line="${line%%#*}"
   echo "  \$ $line"
   if [[ "$line" == "cc app.c "* ]]; then
     n=$((n + 1))
     line="${line/cc app.c/cc app.c -o app$n}"
   fi
   eval "$line"
 done <<<"$recipe")
run "$work/recipe/app1" "$config" | tail -1 | sed 's/^/  README dynamic (rpath): /'
run "$work/recipe/app2" "$config" | tail -1 | sed 's/^/  README static: /'
grep -q -- '--strip-components=1' "$(ls -d "$work"/sizes/libwxpay-*)/README.md"

echo "== the CLI tarball: wxpay, and wxpay sandbox as merchants start it"
mkdir -p "$work/cli" && tar -C "$work/cli" -xzf "$dist"/wxpay-cli-*.tar.gz --strip-components=1
budget "$work/cli/bin/wxpay" 30
run "$work/cli/bin/wxpay" --version
# (env, not the `run` function: $! is then the process that becomes wxpay, which SIGTERM stops cleanly)
env -i HOME="$work/home" PATH="$clean_path" "$work/cli/bin/wxpay" sandbox --fast-notifications >"$work/cli/sandbox.json" 2>"$work/cli/guide.txt" &
cli_pid=$!
for _ in $(seq 1 100); do [[ -s "$work/cli/sandbox.json" ]] && break; sleep 0.1; done
cli_config="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_config"])' "$work/cli/sandbox.json")"
run "$work/cli/bin/wxpay" --config "$cli_config" call create_native --args \
  '{"endpoint":"mainland","appid":"wxd678efh567hg6787","out_trade_no":"dist-cli-1","description":"Tea","amount":1,"notify_url":"http://127.0.0.1:9/n"}' |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; assert r["code_url"].startswith("weixin://"), r; print("  wxpay sandbox from the tarball: create_native", r["status"])'
kill "$cli_pid" && wait "$cli_pid"
grep -q "TEST ONLY" "$work/cli/guide.txt"

echo "== glibc floor and exports"
floor_ok=1
check_floor() {
  local f="$1" max
  max="$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)"
  if [[ "$(printf '%s\n2.17\n' "$max" | sort -V | tail -1)" != 2.17 ]]; then
    echo "  $f needs glibc $max (more than 2.17)" >&2
    floor_ok=0
  else
    echo "  $(basename "$f"): highest GLIBC_ symbol $max"
  fi
}
mkdir "$work/unpacked"
tar -C "$work/unpacked" -xzf "$dist"/libwxpay-*.tar.gz
lib="$(ls "$work"/unpacked/libwxpay-*/lib/libwxpay.so.*.*.*)"
check_floor "$lib"
(cd "$work/unpacked" && python3 -m zipfile -e "$(ls "$dist"/python/*.whl)" wheel >/dev/null)
check_floor "$(ls "$work"/unpacked/wheel/wxpay/_native*.so)"
mkdir "$work/unpacked/npm" && tar -C "$work/unpacked/npm" -xzf "$dist"/npm/wxpay-native-linux-x64-gnu-*.tgz
check_floor "$work/unpacked/npm/package/wxpay.linux-x64-gnu.node"
check_floor "$work/cli/bin/wxpay"
((floor_ok)) || exit 1
exports="$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^wxpay_' || true)"
if [[ -n "$exports" ]]; then
  echo "libwxpay.so exports symbols other than wxpay_*:" >&2
  echo "$exports" | head -20 >&2
  exit 1
fi
echo "  libwxpay.so exports $(nm -D --defined-only "$lib" | wc -l) symbols, all wxpay_*"
readelf -d "$lib" | grep -q "SONAME.*\[libwxpay.so.${version%%.*}\]"

echo "== Python: the wheel into a fresh venv (--no-index)"
run python3 -m venv "$work/venv"
run "$work/venv/bin/pip" install -q --disable-pip-version-check --no-index "$dist"/python/*manylinux_2_17*.whl
run "$work/venv/bin/python" - "$config" <<'PY'
import json, sys
import wxpay
c = json.load(open(sys.argv[1]))
client = wxpay.Client.from_config(c)
r = client.v3.transactions.id._transaction_id_.close.post(
    base_uri="https://api.mch.weixin.qq.com/hk/", transaction_id="1217752501201407033233368018",
    json={"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"})
assert r.status_code == 204, r
print(f"  wheel {wxpay.__version__}: close call 204, Request-ID {r.request_id}")
PY
# The wheel's testing helper with the CLI tarball's wxpay on PATH: the merchant's test set-up.
run env PATH="$work/cli/bin:$clean_path" "$work/venv/bin/python" - <<'PY'
from wxpay.testing import Sandbox
with Sandbox.start() as sandbox:
    client = sandbox.client()
    client.create_native(out_trade_no="dist-py-1", description="Tea", amount=1, appid="wxd678efh567hg6787",
                         notify_url="http://127.0.0.1:9/n", endpoint="mainland")
    sandbox.pay("dist-py-1")
    assert client.query_out_trade_no("dist-py-1", endpoint="mainland").trade_state == "SUCCESS"
print("  wheel + CLI tarball: wxpay.testing.Sandbox paid an order")
PY

echo "== Node: the npm tarballs into a fresh project (no build step)"
mkdir "$work/app" && cd "$work/app"
run npm init -y >/dev/null
run npm install --no-audit --no-fund --loglevel=error "$dist"/npm/wxpay-native-linux-x64-gnu-*.tgz "$dist/npm/wxpay-$version.tgz" >/dev/null
run node - "$config" <<'JS'
const fs = require('node:fs')
const { Client } = require('wxpay')
const client = Client.fromConfig(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')))
client.closeTransaction('1217752501201407033233368018', { sub_mchid: '1230000109', sp_mchid: '1230000109' }).then((r) => {
  if (r.status !== 204) throw new Error(`status ${r.status}`)
  const where = require.resolve('@wxpay/native-linux-x64-gnu')
  console.log(`  npm ${require('wxpay/package.json').version}: close call 204 (addon from ${where.split('node_modules/')[1]})`)
})
JS
[[ ! -e node_modules/wxpay/wxpay.linux-x64-gnu.node ]]
# Every file the typings and exports name is in the tarball (calls.d.ts, wxpay/testing).
for f in $(run node -p 'require("wxpay/package.json").files.filter((f) => f !== "*.node").join(" ")'); do
  [[ -e "node_modules/wxpay/$f" ]] || { echo "the npm package lacks $f" >&2; exit 1; }
done
run node -e 'if (typeof require("wxpay/testing").startSandbox !== "function") process.exit(1)'
cd "$root"

echo "== C: the tarball into a prefix, programs built with pkg-config"
prefix="$(ls -d "$work"/unpacked/libwxpay-*)"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cc -std=c11 -Wall -Werror ffi-c/examples/close_order.c $(pkg-config --cflags --libs wxpay) -o "$work/close_dynamic"
cc -std=c11 -Wall -Werror ffi-c/examples/close_order.c $(pkg-config --cflags --libs wxpay-static) -o "$work/close_static"
unset PKG_CONFIG_PATH
run env LD_LIBRARY_PATH="$prefix/lib" "$work/close_dynamic" "$config" | tail -1 | sed 's/^/  dynamic: /'
if readelf -d "$work/close_static" | grep -q libwxpay; then echo "the static build needs libwxpay.so" >&2; exit 1; fi
run "$work/close_static" "$config" | tail -1 | sed 's/^/  static: /'

echo "== PHP: the package through a Composer path repository, libwxpay.so through the dynamic loader"
if command -v composer >/dev/null; then
  mkdir -p "$work/php/pkg" "$work/php/app"
  tar -C "$work/php/pkg" -xzf "$dist"/php/wxpay-php-*.tar.gz
  cat >"$work/php/app/composer.json" <<JSON
{
  "name": "example/shop",
  "repositories": [
    {"type": "path", "url": "$(ls -d "$work"/php/pkg/wxpay-php-*)", "options": {"symlink": false}},
    {"packagist.org": false}
  ],
  "require": {"wxpay/wxpay": "^0.1"},
  "provide": {"psr/http-message": "2.0", "guzzlehttp/psr7": "2.4.5", "guzzlehttp/promises": "1.5.2"}
}
JSON
  # Packagist is out of reach here: the PSR-7 and promise packages come from Debian (provide).
  (cd "$work/php/app" && run env COMPOSER_HOME="$work/home/composer" php "$(command -v composer)" install -q --no-interaction)
  cat >"$work/php/app/close.php" <<'PHP'
<?php
require __DIR__ . '/vendor/autoload.php';
foreach (['Psr/Http/Message', 'GuzzleHttp/Psr7', 'GuzzleHttp/Promise'] as $p) {
    require_once "/usr/share/php/$p/autoload.php";
}
$c = json_decode(file_get_contents($argv[1]), true);
$instance = Wxpay\Builder::factory([
    'mchid' => $c['mchid'], 'serial' => $c['serial'], 'privateKey' => $c['private_key'],
    'certs' => $c['certs'], 'ca_certs' => $c['ca_certs'], 'resolve' => $c['resolve'],
]);
$r = $instance->chain('v3/transactions/id/{transaction_id}/close')->post([
    'base_uri' => 'https://api.mch.weixin.qq.com/hk/', 'transaction_id' => '1217752501201407033233368018',
    'json' => ['mchid' => '1230000109'],
]);
printf("  composer: close call %d (driver %s, library %s)\n", $r->getStatusCode(), $instance->getDriver()->driver(), $instance->getDriver()->driver() === 'ffi' ? Wxpay\Ffi::locate() : 'none: the extension');
exit($r->getStatusCode() === 204 ? 0 : 1);
PHP
  run env LD_LIBRARY_PATH="$prefix/lib" php "$work/php/app/close.php" "$config"
  # The prebuilt extension: loaded by path, no libwxpay.so anywhere, no FFI.
  so="$(ls "$dist"/php/wxpay-*-php*-api*-x86_64-linux-gnu.so)"
  budget "$so" 10
  [[ "$so" == *"-api$(php-config --phpapi)-"* ]] || { echo "$so is not named for this PHP's API" >&2; exit 1; }
  run php -n -d extension="$so" -r 'exit(extension_loaded("wxpay") ? 0 : 1);'
  run php -d extension="$so" -d ffi.enable=0 "$work/php/app/close.php" "$config" | grep -q "driver ext" ||
    { echo "the prebuilt extension did not make the call" >&2; exit 1; }
  echo "  prebuilt $(basename "$so"): close call 204 through the extension (no FFI, no libwxpay.so)"
else
  echo "composer is not installed (apt-get install composer; scripts/setup.sh dist does)" >&2
  exit 1
fi
echo "== every artifact installed and made the close call"
