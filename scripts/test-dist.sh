#!/usr/bin/env bash
# make test-dist: install every artifact of dist/ (make dist) the way its users do — without
# Rust on PATH — and call the sandbox (over TLS) with each. The install recipes are the docs'
# own blocks, marked `<!-- recipe: NAME -->` (scripts/doc-recipe.py), run as written with
# /opt/ moved under a temporary folder, so a doc that drifts fails here:
#   pip     README.md, bindings-python/README.md   (pip finds dist/python/: PIP_FIND_LINKS)
#   npm     README.md, bindings-node/README.md     (a loopback registry serving dist/npm/)
#   composer README.md (FFI), bindings-php/README.md (with the extension)  (a path repository)
#   php-ext bindings-php/ext/README.md            (phpize against the C tarball, as PIE does)
#   c, cli  README.md
# Then every binary's glibc floor (highest GLIBC_ symbol version <= 2.17), the C library's
# exports (wxpay_* only), size budgets and SHA256SUMS.
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
budget "$(ls "$dist"/python/wxpay_apiv3-*.whl)" 10
budget "$(ls "$work"/sizes/libwxpay-*/lib/libwxpay.so.*.*.*)" 10
budget "$(ls "$work"/sizes/libwxpay-*/lib/libwxpay.a)" 45
mkdir -p "$work/sizes/npm" && tar -C "$work/sizes/npm" -xzf "$dist"/npm/wxpay-native-linux-x64-gnu-*.tgz
budget "$work/sizes/npm/package/wxpay.linux-x64-gnu.node" 10
if readelf -S "$(ls "$work"/sizes/libwxpay-*/lib/libwxpay.so.*.*.*)" | grep -q '\.debug_info'; then
  echo "libwxpay.so carries debug info" >&2; exit 1
fi

# recipe FILE NAME: the doc's marked block, with /opt/ under $work (printed as it runs).
recipe() {
  local text
  # (Its output becomes a `bash -c` script: a missing recipe must fail that script too.)
  text="$(python3 "$root/scripts/doc-recipe.py" "$root/$1" "$2")" || { echo 'exit 1'; return 1; }
  sed 's/^/  $ /' <<<"$text" >&2
  printf 'set -euo pipefail\n%s\n' "${text//\/opt\//$work/opt/}"
}
# fresh DIR [ARTIFACT…]: an empty working folder holding copies of the artifacts a recipe names.
fresh() { local d="$1"; shift; mkdir -p "$d" && { [[ $# == 0 ]] || cp "$@" "$d/"; }; }

# A recipe that is not where test-dist looks fails the run (the docs cannot drift silently).
if python3 scripts/doc-recipe.py README.md no-such-recipe 2>/dev/null; then echo "doc-recipe.py found a recipe that does not exist" >&2; exit 1; fi

echo "== README.md's C recipe (the tarball into a prefix; dynamic with rpath, and static)"
fresh "$work/recipe" "$dist"/libwxpay-*.tar.gz && cp ffi-c/examples/close_order.c "$work/recipe/app.c"
# Both cc lines write a.out: name them app1 (dynamic) and app2 (static).
c_recipe="$(recipe README.md c | awk '/^cc app\.c /{n++; sub(/^cc app\.c/, "cc app.c -o app" n)} {print}')"
(cd "$work/recipe" && bash -c "$c_recipe")
run "$work/recipe/app1" "$config" | tail -1 | sed 's/^/  README dynamic (rpath): /'
if readelf -d "$work/recipe/app2" | grep -q libwxpay; then echo "the static build needs libwxpay.so" >&2; exit 1; fi
run "$work/recipe/app2" "$config" | tail -1 | sed 's/^/  README static: /'
grep -q -- '--strip-components=1' "$(ls -d "$work"/sizes/libwxpay-*)/README.md"

echo "== README.md's CLI recipe: the tarball, wxpay on PATH, and wxpay sandbox as merchants start it"
fresh "$work/cli-recipe" "$dist"/wxpay-cli-*.tar.gz
(cd "$work/cli-recipe" && run bash -c "$(recipe README.md cli)")
cli_bin="$work/opt/wxpay-cli/bin"
budget "$cli_bin/wxpay" 30
# (env, not the `run` function: $! is then the process that becomes wxpay, which SIGTERM stops cleanly)
env -i HOME="$work/home" PATH="$cli_bin:$clean_path" wxpay sandbox --fast-notifications >"$work/cli-recipe/sandbox.json" 2>"$work/cli-recipe/guide.txt" &
cli_pid=$!
for _ in $(seq 1 100); do [[ -s "$work/cli-recipe/sandbox.json" ]] && break; sleep 0.1; done
cli_config="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_config"])' "$work/cli-recipe/sandbox.json")"
run "$cli_bin/wxpay" --config "$cli_config" call create_native --args \
  '{"endpoint":"mainland","appid":"wxd678efh567hg6787","out_trade_no":"dist-cli-1","description":"Tea","amount":1,"notify_url":"http://127.0.0.1:9/n"}' |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; assert r["code_url"].startswith("weixin://"), r; print("  wxpay sandbox from the tarball: create_native", r["status"])'
kill "$cli_pid" && wait "$cli_pid"
grep -q "TEST ONLY" "$work/cli-recipe/guide.txt"

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
(cd "$work/unpacked" && python3 -m zipfile -e "$(ls "$dist"/python/wxpay_apiv3-*.whl)" wheel >/dev/null)
check_floor "$(ls "$work"/unpacked/wheel/wxpay/_native*.so)"
mkdir "$work/unpacked/npm" && tar -C "$work/unpacked/npm" -xzf "$dist"/npm/wxpay-native-linux-x64-gnu-*.tgz
check_floor "$work/unpacked/npm/package/wxpay.linux-x64-gnu.node"
check_floor "$cli_bin/wxpay"
# The CLI wheel and npm package carry the tarball's binary, byte for byte.
(cd "$work/unpacked" && python3 -m zipfile -e "$(ls "$dist"/python/wxpay_cli-*.whl)" cli-wheel >/dev/null)
mkdir "$work/unpacked/npm-cli" && tar -C "$work/unpacked/npm-cli" -xzf "$dist"/npm/wxpay-cli-linux-x64-gnu-*.tgz
cmp "$cli_bin/wxpay" "$(ls "$work"/unpacked/cli-wheel/wxpay_cli-*.data/scripts/wxpay)"
cmp "$cli_bin/wxpay" "$work/unpacked/npm-cli/package/bin/wxpay"
((floor_ok)) || exit 1
exports="$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^wxpay_' || true)"
if [[ -n "$exports" ]]; then
  echo "libwxpay.so exports symbols other than wxpay_*:" >&2
  echo "$exports" | head -20 >&2
  exit 1
fi
echo "  libwxpay.so exports $(nm -D --defined-only "$lib" | wc -l) symbols, all wxpay_*"
readelf -d "$lib" | grep -q "SONAME.*\[libwxpay.so.${version%%.*}\]"

close_py='
import json, sys
import wxpay
c = json.load(open(sys.argv[1]))
client = wxpay.Client.from_config(c)
r = client.v3.transactions.id._transaction_id_.close.post(
    base_uri="https://api.mch.weixin.qq.com/hk/", transaction_id="1217752501201407033233368018",
    json={"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"})
assert r.status_code == 204, r
print(f"  wheel {wxpay.__version__}: close call 204, Request-ID {r.request_id}")
'
# The merchant's test set-up: wxpay.testing finds the wxpay-cli wheel's binary in its own
# environment, with nothing on PATH and no WXPAY_CLI.
sandbox_py='
from wxpay.testing import Sandbox
with Sandbox.start() as sandbox:
    client = sandbox.client()
    client.create_native(out_trade_no="dist-py-1", description="Tea", amount=1, appid="wxd678efh567hg6787",
                         notify_url="http://127.0.0.1:9/n", endpoint="mainland")
    sandbox.pay("dist-py-1")
    assert client.query_out_trade_no("dist-py-1", endpoint="mainland").trade_state == "SUCCESS"
print("  wxpay.testing.Sandbox (wxpay sandbox of the wxpay-cli wheel) paid an order")
'
budget "$(ls "$dist"/python/wxpay_cli-*.whl)" 30
for doc in README.md bindings-python/README.md; do
  echo "== Python: $doc's pip recipe in a fresh venv (pip finds dist/python/ only)"
  venv="$work/venv-${doc%%/*}"
  run python3 -m venv "$venv"
  # As in an activated venv: its bin/ first on PATH.
  (cd "$work" && run env PATH="$venv/bin:$clean_path" PIP_NO_INDEX=1 PIP_FIND_LINKS="$dist/python" \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_QUIET=1 bash -c "$(recipe "$doc" pip)")
  run "$venv/bin/python" -c "$close_py" "$config"
  run env PATH="$venv/bin:$clean_path" wxpay --version | sed 's/^/  on PATH: /'
  run "$venv/bin/python" -c "$sandbox_py"
done

echo "== Node: the npm recipes from a loopback registry serving dist/npm/"
[[ -d bindings-node/node_modules/@types/node ]] || (cd bindings-node && npm ci --no-audit --no-fund --loglevel=error)
# Our packages from dist/npm/, their dependencies (@types/node) from bindings-node/node_modules.
python3 scripts/npm-registry.py "$dist/npm" "$work/registry.port" "$root/bindings-node/node_modules" &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null; stop_sandbox; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [[ -s "$work/registry.port" ]] && break; sleep 0.1; done
npm_env=(npm_config_registry="http://127.0.0.1:$(cat "$work/registry.port")/" npm_config_audit=false
  npm_config_fund=false npm_config_loglevel=error)
close_js='
const fs = require("node:fs")
const { Client } = require("wxpay")
const client = Client.fromConfig(JSON.parse(fs.readFileSync(process.argv[1], "utf8")))
client.closeTransaction("1217752501201407033233368018", { sub_mchid: "1230000109", sp_mchid: "1230000109" }).then((r) => {
  if (r.status !== 204) throw new Error(`status ${r.status}`)
  const where = require.resolve("@wxpay/native-linux-x64-gnu")
  console.log(`  npm ${require("wxpay/package.json").version}: close call 204 (addon from ${where.split("node_modules/")[1]})`)
})
'
# wxpay/testing finds @wxpay/cli's binary in the project: nothing on PATH, no WXPAY_CLI.
sandbox_js='
const { startSandbox } = require("wxpay/testing")
;(async () => {
  const sandbox = await startSandbox()
  try {
    const client = sandbox.client()
    await client.createNative({ out_trade_no: "dist-js-1", description: "Tea", amount: 1, appid: "wxd678efh567hg6787",
      notify_url: "http://127.0.0.1:9/n", endpoint: "mainland" })
    await sandbox.pay({ outTradeNo: "dist-js-1" })
    const order = await client.queryOutTradeNo("dist-js-1", { endpoint: "mainland" })
    if (order.tradeState !== "SUCCESS") throw new Error(`tradeState ${order.tradeState}`)
    console.log("  wxpay/testing (wxpay sandbox of @wxpay/cli) paid an order")
  } finally {
    await sandbox.stop()
  }
})().catch((e) => { console.error(e); process.exit(1) })
'
for doc in README.md bindings-node/README.md; do
  echo "== Node: $doc's npm recipe in a fresh project"
  app="$work/app-${doc%%/*}"
  mkdir -p "$app" && (cd "$app" && run npm init -y >/dev/null && run env "${npm_env[@]}" bash -c "$(recipe "$doc" npm)" >/dev/null)
  (cd "$app" && run node -e "$close_js" "$config")
  [[ ! -e "$app/node_modules/wxpay/wxpay.linux-x64-gnu.node" ]]
  # Every file the typings and exports name is in the tarball (calls.d.ts, wxpay/testing).
  for f in $(cd "$app" && run node -p 'require("wxpay/package.json").files.filter((f) => f !== "*.node").join(" ")'); do
    [[ -e "$app/node_modules/wxpay/$f" ]] || { echo "the npm package lacks $f" >&2; exit 1; }
  done
  (cd "$app" && run env "${npm_env[@]}" npx wxpay --version | sed 's/^/  npx wxpay: /')
  (cd "$app" && run node -e "$sandbox_js")
done
# npx without installing (README: `npx @wxpay/cli sandbox`), and the launcher's exit status.
mkdir -p "$work/npx" && (cd "$work/npx" && run env "${npm_env[@]}" npx @wxpay/cli --version | sed 's/^/  npx @wxpay\/cli: /')
status=0; (cd "$work/app-README.md" && run npx wxpay --config /nonexistent.json close 1 >/dev/null 2>&1) || status=$?
[[ "$status" == 2 ]] || { echo "npx wxpay with a bad configuration exited $status, not the CLI's 2" >&2; exit 1; }
# Without its platform package (optional dependencies omitted), the launcher says what to install.
mkdir -p "$work/app-noopt" && (cd "$work/app-noopt" && run npm init -y >/dev/null &&
  run env "${npm_env[@]}" npm install --omit=optional @wxpay/cli >/dev/null)
msg="$(cd "$work/app-noopt" && run npx wxpay --version 2>&1 || true)"
grep -q 'npm install --include=optional @wxpay/cli' <<<"$msg" || { echo "no install hint without @wxpay/cli-linux-x64-gnu: $msg" >&2; exit 1; }
echo "  without its platform package: ${msg%%:*}: …names npm install --include=optional @wxpay/cli"

echo "== C: the tarball's other way to find libwxpay.so (LD_LIBRARY_PATH), built with -Wall -Werror"
# (The static build and the rpath one are the README's recipe above.)
prefix="$(ls -d "$work"/unpacked/libwxpay-*)"
cc -std=c11 -Wall -Werror ffi-c/examples/close_order.c \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs wxpay) -o "$work/close_dynamic"
run env LD_LIBRARY_PATH="$prefix/lib" "$work/close_dynamic" "$config" | tail -1 | sed 's/^/  dynamic: /'

command -v composer >/dev/null || { echo "composer is not installed (apt-get install composer; scripts/setup.sh dist does)" >&2; exit 1; }
close_php='
require getcwd() . "/vendor/autoload.php";
foreach (["Psr/Http/Message", "GuzzleHttp/Psr7", "GuzzleHttp/Promise"] as $p) {
    require_once "/usr/share/php/$p/autoload.php";
}
$c = json_decode(file_get_contents($argv[1]), true);
$instance = Wxpay\Builder::factory([
    "mchid" => $c["mchid"], "serial" => $c["serial"], "privateKey" => $c["private_key"],
    "certs" => $c["certs"], "ca_certs" => $c["ca_certs"], "resolve" => $c["resolve"],
]);
$r = $instance->chain("v3/transactions/id/{transaction_id}/close")->post([
    "base_uri" => "https://api.mch.weixin.qq.com/hk/", "transaction_id" => "1217752501201407033233368018",
    "json" => ["mchid" => "1230000109"],
]);
$d = $instance->getDriver()->driver();
printf("  composer: close call %d (driver %s, library %s)\n", $r->getStatusCode(), $d, $d === "ffi" ? Wxpay\Ffi::locate() : "none: the extension");
exit($r->getStatusCode() === 204 ? 0 : 1);
'
# Composer as users have it, but Packagist out of reach: the package comes from a path
# repository in Composer's global configuration, so `composer require wxpay/wxpay` runs as
# written; the PSR-7 and promise packages come from Debian (the project's `provide`).
mkdir -p "$work/php/pkg" "$work/home/composer"
tar -C "$work/php/pkg" -xzf "$dist"/php/wxpay-php-*.tar.gz
cat >"$work/home/composer/config.json" <<JSON
{"repositories": [
  {"type": "path", "url": "$(ls -d "$work"/php/pkg/wxpay-php-*)", "options": {"symlink": false}},
  {"packagist.org": false}
]}
JSON
composer_env=(COMPOSER_HOME="$work/home/composer" COMPOSER_NO_INTERACTION=1)
php_project() { # DIR: an empty Composer project
  mkdir -p "$1" && cat >"$1/composer.json" <<'JSON'
{"name": "example/shop", "require": {},
 "provide": {"psr/http-message": "2.0", "guzzlehttp/psr7": "2.4.5", "guzzlehttp/promises": "1.5.2"}}
JSON
}

echo "== PHP: README.md's composer recipe over FFI (libwxpay.so of the C tarball, by WXPAY_LIB)"
php_project "$work/php/ffi"
(cd "$work/php/ffi" && run env "${composer_env[@]}" bash -c "$(recipe README.md composer)
php -r '$close_php' '$config'" | grep "driver ffi")
# Neither the extension nor FFI (php -n loads no shared extension): the message says what to install.
msg="$(cd "$work/php/ffi" && run php -n -r "$close_php" "$config" 2>&1 || true)"
grep -q 'pie install wxpay/wxpay-extension' <<<"$msg" && grep -q 'php-ffi' <<<"$msg" ||
  { echo "without the extension and FFI, no install hint: $msg" >&2; exit 1; }
echo "  without the extension and FFI: the error names PIE, the prebuilt extension and php-ffi"
grep -q '"wxpay/wxpay": "^0.1' "$work/php/ffi/composer.json" || { echo 'composer require did not write a ^0.1 constraint' >&2; exit 1; }

echo "== PHP: the extension's recipe (bindings-php/ext/README.md: phpize against the C tarball, no Rust)"
fresh "$work/php/ext" "$dist"/php/php_wxpay-*-src.tgz "$dist"/libwxpay-*.tar.gz
(cd "$work/php/ext" && run bash -c "$(recipe bindings-php/ext/README.md php-ext)") | tail -1
ext_so="$(ls "$work"/php/ext/php_wxpay-*-src/modules/wxpay.so)"
budget "$ext_so" 10
# What PIE reads: a php-ext package whose extension-name is the module built and whose
# configure options are the ones configure takes.
php -r '
$m = json_decode(file_get_contents($argv[1]), true);
$src = dirname($argv[1]);
if (($m["type"] ?? "") !== "php-ext" || ($m["php-ext"]["extension-name"] ?? "") !== "wxpay") { fwrite(STDERR, "not a php-ext package for wxpay\n"); exit(1); }
$help = shell_exec("cd " . escapeshellarg($src) . " && ./configure --help");
foreach ($m["php-ext"]["configure-options"] as $o) {
    if (!str_contains($help, "--" . $o["name"])) { fwrite(STDERR, "configure does not take --{$o["name"]}\n"); exit(1); }
}
if ($m["version"] !== $argv[2]) { fwrite(STDERR, "php-ext package version {$m["version"]} is not $argv[2]\n"); exit(1); }
echo "  PIE manifest: php-ext wxpay, configure options ", implode(", ", array_column($m["php-ext"]["configure-options"], "name")), "\n";
' "$(dirname "$ext_so")/../composer.json" "$version"

echo "== PHP: bindings-php/README.md's composer recipe with that extension loaded (no FFI, no libwxpay.so)"
php_project "$work/php/ext-app"
(cd "$work/php/ext-app" && run env "${composer_env[@]}" bash -c "$(recipe bindings-php/README.md composer)" &&
  run php -d extension="$ext_so" -d ffi.enable=0 -r "$close_php" "$config" | grep "driver ext")

echo "== PHP: the prebuilt extension, loaded by path"
so="$(ls "$dist"/php/wxpay-*-php*-api*-x86_64-linux-gnu.so)"
budget "$so" 10
[[ "$so" == *"-api$(php-config --phpapi)-"* ]] || { echo "$so is not named for this PHP's API" >&2; exit 1; }
run php -n -d extension="$so" -r 'exit(extension_loaded("wxpay") ? 0 : 1);'
(cd "$work/php/ext-app" && run php -d extension="$so" -d ffi.enable=0 -r "$close_php" "$config" | grep -q "driver ext") ||
  { echo "the prebuilt extension did not make the call" >&2; exit 1; }
echo "  prebuilt $(basename "$so"): close call 204 through the extension"
echo "== every documented install recipe ran and made the close call"
