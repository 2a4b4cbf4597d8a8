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
# And once more with AddressSanitizer + LeakSanitizer + UBSan on the C side (static link).
cc "${CFLAGS[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer ffi-c/tests/c/test_wxpay.c \
  "$target/libwxpay.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o "$work/test_asan"
# The static binary must not need libwxpay.so.
if ldd "$work/test_static" | grep -q libwxpay; then
  echo "test_static is linked dynamically against libwxpay" >&2
  exit 1
fi

# AWS-LC is built without its CPU-jitter entropy collector (.cargo/config.toml; ARCHITECTURE.md,
# "Randomness"): its ~35 ms start-up health test would run in every process's first signature.
# The library must hold AWS-LC's generator and none of the collector.
symbols="$(nm --defined-only "$target/libwxpay.a" 2>/dev/null)"
if ! grep -q 'RAND_bytes$' <<<"$symbols"; then
  echo "libwxpay.a: AWS-LC's RAND_bytes not found by nm; cannot check the entropy source" >&2
  exit 1
fi
if grep -q 'jent_entropy_collector_alloc$' <<<"$symbols"; then
  echo "libwxpay.a holds AWS-LC's CPU-jitter entropy collector: AWS_LC_SYS_NO_JITTER_ENTROPY=1" \
    "(.cargo/config.toml) did not reach aws-lc-sys's build" >&2
  exit 1
fi

echo "== make install PREFIX=… and programs built with pkg-config, dynamic and static"
make -s install PREFIX="$work/prefix" PROFILE=debug >/dev/null
cat >"$work/version.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <wxpay.h>
#include <wxpay_calls.h> /* installed beside it */
int main(void) {
    /* The header's version macros are the library's. */
    if (strcmp(wxpay_version(), WXPAY_VERSION_STRING) != 0) return 1;
    printf("%s\n", wxpay_version());
    return 0;
}
C
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cc -Wall -Werror "$work/version.c" $(pkg-config --cflags --libs wxpay) -o "$work/version"
LD_LIBRARY_PATH="$work/prefix/lib" "$work/version" | grep -qx "$version"
readelf -d "$work/version" | grep -q 'NEEDED.*\[libwxpay.so.0\]'
[[ -L "$work/prefix/lib/libwxpay.so.0" && -f "$work/prefix/lib/libwxpay.so.$version" ]]
cc -Wall -Werror "$work/version.c" $(pkg-config --cflags --libs wxpay-static) -o "$work/version_static"
if readelf -d "$work/version_static" | grep -q libwxpay; then
  echo "the wxpay-static recipe linked libwxpay.so" >&2
  exit 1
fi
"$work/version_static" | grep -qx "$version"
unset PKG_CONFIG_PATH
echo "installed library (SONAME libwxpay.so.0), header and wxpay.pc / wxpay-static.pc work"

start_sandbox "$target" "$work"

export WXPAY_TEST_CONFIG="$work/c.json" WXPAY_VECTORS="$root/tests/vectors/signing.json"
# The shared fault matrix, flattened for C (see test_fault_matrix in test_wxpay.c).
python3 - "$root/tests/reliability/faults.json" "$work/faults.tsv" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
def cell(v, empty="="):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "1" if v else "0"
    if v == "":
        return empty
    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
with open(sys.argv[2], "w") as out:
    for c in spec["cases"]:
        e = c["expect"]
        # One line per run: a case with `repeat` runs that many times.
        out.write(c.get("repeat", 1) * ("\t".join(str(x) for x in [
            c["name"], cell(c["fault"]), c["client"], c["max_ms"], cell(e["code"]),
            cell(e["may_have_been_sent"]), cell(e["status"]), cell(e["api_code"]),
            cell(e["verify_failure"]), e["attempts"], c.get("host") or "-",
            c.get("timeout_ms", spec["timeout_ms"])]) + "\n"))
PY
# The shared bad-input catalogue, expanded and flattened for C (see test_bad_inputs).
python3 - "$root/tests/reliability/bad_inputs.json" "$work/c.json" "$root/tests/fixtures" "$work/bad_inputs.tsv" <<'PY'
import json, sys
spec, base, fixtures = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def expand(v):
    if isinstance(v, str):
        return v.replace("{fixtures}", fixtures)
    if isinstance(v, list):
        return [expand(x) for x in v]
    if isinstance(v, dict):
        if "$repeat" in v:
            return v["$repeat"][0] * v["$repeat"][1]
        return {k: expand(x) for k, x in v.items()}
    return v
j = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
with open(sys.argv[4], "w") as out:
    for c in spec["cases"]:
        e = c["expect"]
        if "config" in c:
            fields = ["config", j({**base, **expand(c["config"])})]
        else:
            call = expand(c["call"])
            fields = ["call", call["method"], call["template"], j(call["options"])]
        out.write("\t".join([c["name"], *fields, e["code"], "\x1f".join(e["mentions"]), "\x1f".join(e["absent"])]) + "\n")
PY
# The typed calls' bad arguments, flattened for C (see test_bad_calls).
python3 - "$root/tests/reliability/bad_calls.json" "$work/bad_calls.tsv" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
j = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
with open(sys.argv[2], "w") as out:
    for c in spec["cases"]:
        e = c["expect"]
        out.write("\t".join([c["name"], c["call"], j(c["args"]), e["code"], e["argument"] or "-",
                             "\x1f".join(e["mentions"]), "\x1f".join(e["absent"])]) + "\n")
PY
# The pay-parameter vectors, flattened for C (see test_pay_params).
python3 - "$root/tests/vectors/signing.json" "$work/pay_params.tsv" <<'PY'
import json, sys
j = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
with open(sys.argv[2], "w") as out:
    for c in json.load(open(sys.argv[1]))["pay_params"]:
        out.write("\t".join([c["name"], c["kind"], j(c["args"]), j(c["expect"])]) + "\n")
PY
WXPAY_PAY_PARAM_CASES="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["pay_params"]))' "$root/tests/vectors/signing.json")"
export WXPAY_PAY_PARAM_CASES WXPAY_PAY_PARAMS_TSV="$work/pay_params.tsv"
# The shared payday script, flattened for C (see test_payday_script): kind, call or "-", args or
# the pay body, the expected api_code or "-", the save name or "-", the pay's expected status,
# then the expectations as field\x1eJSON-or-* joined by \x1f.
python3 - "$root/tests/vectors/payday.json" "$work/payday.tsv" <<'PY'
import json, sys
j = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
with open(sys.argv[2], "w") as out:
    for s in json.load(open(sys.argv[1]))["steps"]:
        expect = "\x1f".join(f"{k}\x1e{'*' if v == '*' else j(v)}" for k, v in s.get("expect", {}).items()) or "-"
        if "pay" in s:
            out.write("\t".join(["pay", "-", j(s["pay"]), "-", "-", str(s.get("pay_error", 200)), "-"]) + "\n")
        else:
            out.write("\t".join(["call", s["call"], j(s["args"]), s.get("error", "-"), s.get("save", "-"), "-", expect]) + "\n")
PY
WXPAY_PAYDAY_STEPS="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["steps"]))' "$root/tests/vectors/payday.json")"
export WXPAY_PAYDAY_STEPS WXPAY_PAYDAY_TSV="$work/payday.tsv"
# The shared notification cases, flattened for C (see test_notifications).
python3 - "$root/tests/reliability/notifications.json" "$work/notifications.tsv" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    for c in spec["cases"]:
        e = c["expect"]
        out.write("\t".join(str(x if x is not None else "-") for x in [
            c["name"], c["event"], c["fault"], e["code"], e["verify_failure"], e["answer_status"],
            e["event_type"], e.get("mentions")]) + "\n")
PY
export WXPAY_NOTIFICATIONS_TSV="$work/notifications.tsv"
# The notification vectors (tests/vectors/notifications.json): config, headers JSON, body, now,
# code, the expected notification JSON as the core writes it (compact, UTF-8 unescaped), mentions.
python3 - "$root/tests/vectors/notifications.json" "$root/tests/fixtures" "$work/notification_vectors.tsv" <<'PY'
import json, sys
cases, fixtures = json.load(open(sys.argv[1]))["cases"], sys.argv[2]
j = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
with open(sys.argv[3], "w") as out:
    for c in cases:
        e = c["expect"]
        config = {"mchid": "1230000109", "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
                  "private_key": f"file://{fixtures}/merchant_key.pem", "certs": c["certs"], "apiv3_key": c["apiv3_key"]}
        out.write("\t".join([c["name"], j(config), j(c["headers"]), c["body"], str(c["now"]), e["code"] or "-",
                             j(e["notification"]) if "notification" in e else "-", e.get("mentions", "-")]) + "\n")
PY
export WXPAY_NOTIFICATION_VECTORS_TSV="$work/notification_vectors.tsv"
WXPAY_NOTIFICATION_CASES="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["cases"]))' "$root/tests/reliability/notifications.json")"
export WXPAY_NOTIFICATION_CASES
WXPAY_FAULT_CASES="$(python3 -c 'import json,sys; print(sum(c.get("repeat", 1) for c in json.load(open(sys.argv[1]))["cases"]))' "$root/tests/reliability/faults.json")"
WXPAY_BAD_INPUT_CASES="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["cases"]))' "$root/tests/reliability/bad_inputs.json")"
export WXPAY_FAULT_CASES WXPAY_BAD_INPUT_CASES WXPAY_BAD_INPUTS_TSV="$work/bad_inputs.tsv"
WXPAY_BAD_CALL_CASES="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["cases"]))' "$root/tests/reliability/bad_calls.json")"
export WXPAY_BAD_CALL_CASES WXPAY_BAD_CALLS_TSV="$work/bad_calls.tsv"
read -r WXPAY_FAULT_TIMEOUT_MS WXPAY_FAULT_RETRIES < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["timeout_ms"], d["retries"])' "$root/tests/reliability/faults.json")
WXPAY_SANDBOX_ADDR="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["addr"])' "$work/sandbox.json")"
export WXPAY_FAULTS_TSV="$work/faults.tsv" WXPAY_FAULT_TIMEOUT_MS WXPAY_FAULT_RETRIES WXPAY_SANDBOX_ADDR
WXPAY_SANDBOX_PROXY="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["proxy"])' "$work/sandbox.json")"
export WXPAY_SANDBOX_PROXY
echo "== C tests, statically linked"
# A panic caught at the boundary must not print on the host program's stderr.
"$work/test_static" 2> >(tee "$work/stderr.txt" >&2)
if grep -q "panicked" "$work/stderr.txt"; then
  echo "a panic message reached the host program's stderr" >&2
  exit 1
fi
echo "== C tests, dynamically linked"
"$work/test_dynamic"
echo "== C tests, statically linked, with ASan, LSan and UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$work/test_asan"
echo "== C tests, dynamically linked, under valgrind"
if command -v valgrind >/dev/null; then
  WXPAY_SLOW=1 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --track-origins=yes "$work/test_dynamic"
else
  echo "valgrind is not installed (apt-get install valgrind)" >&2
  exit 1
fi
