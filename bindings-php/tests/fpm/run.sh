#!/usr/bin/env bash
# PHP under php-fpm, as it runs in production: two real php-fpm masters on loopback ports, one
# with the wxpay extension (extension=wxpay.so) and one with FFI and the preload recipe
# (ffi.preload of the header bindings-php/ffi-header.php prints, opcache.preload of
# bindings-php/preload.php, ffi.enable=preload: PHP's default outside the CLI),
# each with one worker. FastCGI requests (cgi-fcgi) run tests/fpm/app.php, which builds the
# instance from configuration per request and calls the sandbox over TLS.
#   tests/fpm/run.sh WORK_DIR EXT_SO      (WORK_DIR holds the sandbox's c.json; tests/run.sh calls it)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
work="$1"
ext="$2"
fpm="$(command -v php-fpm8.2 || command -v php-fpm || ls /usr/sbin/php-fpm* 2>/dev/null | head -1 || true)"
if [[ -z "$fpm" ]] || ! command -v cgi-fcgi >/dev/null; then
  echo "php-fpm or cgi-fcgi is missing: apt-get install php-fpm libfcgi-bin (.ci/run does)" >&2
  exit 1
fi
app="$root/bindings-php/tests/fpm/app.php"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_fpm NAME PORT [php -d settings...]
start_fpm() {
  local name="$1" port="$2"
  shift 2
  cat >"$work/fpm-$name.conf" <<CONF
[global]
pid = $work/fpm-$name.pid
error_log = $work/fpm-$name.log
daemonize = no
[app]
listen = 127.0.0.1:$port
pm = static
pm.max_children = 1
clear_env = no
catch_workers_output = yes
CONF
  "$fpm" -R -y "$work/fpm-$name.conf" "$@" &
  pids+=($!)
  for _ in $(seq 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
      return
    fi
    sleep 0.1
  done
  echo "php-fpm ($name) did not start:" >&2
  cat "$work/fpm-$name.log" >&2
  exit 1
}

# request PORT CASE → the JSON line the app printed
request() {
  SCRIPT_FILENAME="$app" SCRIPT_NAME=/app.php REQUEST_METHOD=GET QUERY_STRING="case=$2" \
    cgi-fcgi -bind -connect "127.0.0.1:$1" | tr -d '\r' | sed '1,/^$/d'
}

ext_port="$(free_port)"
start_fpm ext "$ext_port" -d "extension=$ext"
ffi_port="$(free_port)"
php "$root/bindings-php/ffi-header.php" "$WXPAY_LIB" >"$work/wxpay-ffi.h"
start_fpm ffi "$ffi_port" -d ffi.enable=preload -d "ffi.preload=$work/wxpay-ffi.h" -d opcache.enable=1 \
  -d "opcache.preload=$root/bindings-php/preload.php" -d opcache.preload_user=root

out="$work/fpm-results.txt"
: >"$out"
# Each pool: its worker's first requests open its connections (one for blocking calls, made on
# the worker's thread, and one for async calls, made on the runtime); then many requests, each
# building the instance from configuration anew, must reuse that one client and its connections.
for pool in ext ffi; do
  port="$([[ $pool == ext ]] && echo "$ext_port" || echo "$ffi_port")"
  echo "$pool seed $(request "$port" seed)" >>"$out"
  echo "$pool stats $(request "$port" stats)" >>"$out"
  for i in $(seq 5); do
    echo "$pool seed $(request "$port" seed)" >>"$out"
  done
  echo "$pool stats $(request "$port" stats)" >>"$out"
  echo "$pool events $(request "$port" events)" >>"$out"
done
echo "ext api_error $(request "$ext_port" api_error)" >>"$out"
echo "ffi api_error $(request "$ffi_port" api_error)" >>"$out"
echo "ext ffi $(request "$ext_port" ffi)" >>"$out"

python3 - "$out" <<'PY'
import json, sys
passed = failed = 0
def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, file=sys.stderr)
pids = {}
stats = {}
for line in open(sys.argv[1]):
    pool, case, text = line.split(" ", 2)
    try:
        r = json.loads(text)
    except ValueError:
        check(False, f"{pool} {case}: not JSON: {text.strip()[:300]}")
        continue
    check(r.get("sapi") == "fpm-fcgi", f"{pool} {case}: SAPI {r.get('sapi')}")
    pids.setdefault(pool, set()).add(r["pid"])
    if case == "seed":
        check(r.get("driver") == pool, f"{pool} seed: driver {r.get('driver')}")
        check(r.get("printed") == "111111", f"{pool} seed: the six snippets printed {r.get('printed')!r}: {r.get('message')}")
    elif case == "api_error":
        check(r.get("exception") == "Wxpay\\Exception\\ApiException" and r.get("api_code") == "ORDERPAID", f"{pool} api_error: {r}")
    elif case == "ffi":
        # FFI without the preload recipe under php-fpm: refused, and the message says what to do.
        check(r.get("exception") == "Wxpay\\Exception\\ConfigException", f"ffi without preload: {r}")
        check("extension=wxpay.so" in r.get("message", "") and "preload.php" in r.get("message", ""), f"ffi message: {r.get('message')}")
    elif case == "events":
        want = ["request:-", "response:204", "call:204"] * 2
        check(r.get("events") == want, f"{pool} events: {r.get('events')} {r.get('message', '')}")
    elif case == "stats":
        stats.setdefault(pool, []).append(r.get("stats", {}).get("connections"))
for pool, counts in stats.items():
    check(len(counts) == 2 and None not in counts and counts[1] == counts[0],
          f"{pool}: requests built the client anew yet reused its connection (sandbox connections {counts})")
for pool, seen in pids.items():
    check(len(seen) == 1, f"{pool}: one worker served every request, saw {seen}")
print(f"php-fpm: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
