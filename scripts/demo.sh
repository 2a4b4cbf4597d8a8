#!/usr/bin/env bash
# make demo: start the sandbox over TLS, run the seed's close call exactly as the PHP SDK documents
# it (unchanged production URL, pointed at the sandbox by resolve + ca_certs), print the result,
# stop the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${CARGO_TARGET_DIR:-target}/debug"

source scripts/sandbox.sh
work="$(mktemp -d)"
trap 'stop_sandbox; rm -rf "$work"' EXIT
start_sandbox "$BIN" "$work"
echo "== sandbox: $(cat "$work/sandbox.json")"
echo "== client configuration (resolve + ca_certs send api.mch.weixin.qq.com to the sandbox):"
cat "$work/c.json"

OPTIONS='{"base_uri":"https://api.mch.weixin.qq.com/hk/","transaction_id":"1217752501201407033233368018","json":{"mchid":"1230000109","sub_mchid":"1230000109","sp_mchid":"1230000109"}}'
echo
echo "== Rust CLI: wxpay --config c.json request POST 'v3/transactions/id/{transaction_id}/close' --options '$OPTIONS'"
"$BIN/wxpay" --config "$work/c.json" request POST 'v3/transactions/id/{transaction_id}/close' --options "$OPTIONS"
echo
echo "== Rust CLI, typed: wxpay --config c.json close 1217752501201407033233368018 --sub-mchid 1230000109 --sp-mchid 1230000109"
"$BIN/wxpay" --config "$work/c.json" close 1217752501201407033233368018 --sub-mchid 1230000109 --sp-mchid 1230000109

echo
echo "== C: ffi-c/examples/close_order.c linked against libwxpay.so"
cc -std=c11 -Wall -Wextra -Werror -Iinclude ffi-c/examples/close_order.c -L"$BIN" -lwxpay \
  -Wl,-rpath,"$(cd "$BIN" && pwd)" -o "$work/close_order"
"$work/close_order" "$work/c.json"

echo
echo "== PHP: the PHP SDK's six documented snippets, verbatim (bindings-php/examples/seed_snippets.php); each prints 1"
WXPAY_LIB="$(cd "$BIN" && pwd)/libwxpay.so" php bindings-php/examples/close_order.php "$work/c.json"

echo
echo "== Python: bindings-python/examples/close_order.py (three styles, sync and asyncio, and the typed helper)"
venv="$(scripts/python-env.sh)"
"$venv/bin/python" bindings-python/examples/close_order.py "$work/c.json"

echo
echo "== Node: bindings-node/examples/close_order.js (three styles, async and sync, and the typed helper)"
(cd bindings-node && { [[ -d node_modules/@napi-rs/cli ]] || npm ci --no-audit --no-fund --loglevel=error; } \
  && npx napi build --platform --js native.js --dts native.d.ts >/dev/null 2>&1)
node bindings-node/examples/close_order.js "$work/c.json"

echo
echo "== demo: every close call answered 204 No Content, verified against the sandbox's platform key"
