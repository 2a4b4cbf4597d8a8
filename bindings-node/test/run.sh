#!/usr/bin/env bash
# Node tests: npm ci, build the addon with the napi CLI (and fail if the generated native.js /
# native.d.ts differ from the committed ones), run `node --test` against the TLS sandbox, and
# install the `npm pack` tarball into an empty project.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root/bindings-node"
npm ci --no-audit --no-fund --loglevel=error
cargo build -q -p wxpay-sandbox -p wxpay-cli --manifest-path "$root/Cargo.toml"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp native.js native.d.ts "$work/"
npx napi build --platform --js native.js --dts native.d.ts >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
for f in native.js native.d.ts; do
  if ! cmp -s "$f" "$work/$f"; then
    echo "bindings-node/$f drifted from the Rust source: the regenerated file is in place, review and commit it" >&2
    diff -u "$work/$f" "$f" >&2 || true
    exit 1
  fi
done
echo "native.js and native.d.ts match the Rust source"

node --test test/

echo "== npm pack, then npm install of the tarball into an empty project"
tarball="$(npm pack --silent --pack-destination "$work")"
mkdir "$work/app"
(cd "$work/app" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null)
(cd "$work/app" && node -e '
const wxpay = require("wxpay")
try { new wxpay.Client({ mchid: "1" }) } catch (e) { if (e.code !== "CONFIG") throw e }
if (typeof require("wxpay/testing").startSandbox !== "function") throw new Error("wxpay/testing is not packed")
import("wxpay").then((m) => console.log("tarball OK:", m.version, typeof m.Client))
')

echo "== examples/node/checkout.js with the tarball installed, against wxpay sandbox"
WXPAY_CLI="${CARGO_TARGET_DIR:-$root/target}/debug/wxpay" "$root/examples/run.sh" node "$work/app/node_modules"
