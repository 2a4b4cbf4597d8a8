#!/usr/bin/env python3
"""Generate RELIABILITY.md from what the test suite enforces.

The fault matrix comes from tests/reliability/faults.json, which the Rust, C, PHP, Python and
Node suites each run in full; the fuzzing figures from fuzz/last-run.json (written by
`make fuzz`). `--check` (run by `make test`) fails when RELIABILITY.md is not what this script
generates, so the document cannot drift from the tests.

    python3 tests/reliability/generate.py          # rewrite RELIABILITY.md
    python3 tests/reliability/generate.py --check  # fail if it is out of date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.loads((ROOT / "tests" / "reliability" / "faults.json").read_text())
BAD = json.loads((ROOT / "tests" / "reliability" / "bad_inputs.json").read_text())
BAD_CALLS = json.loads((ROOT / "tests" / "reliability" / "bad_calls.json").read_text())
NOTIFY = json.loads((ROOT / "tests" / "reliability" / "notifications.json").read_text())
FUZZ_PATH = ROOT / "fuzz" / "last-run.json"
FUZZ = json.loads(FUZZ_PATH.read_text()) if FUZZ_PATH.exists() else {}
FUZZ_TARGETS = {
    "verify_response": "response verification (signature headers, timestamp, serial) and error-body parsing",
    "uri_template": "URI templates, chain normalisation, base-URI resolution (a value never leaves its path segment; a template never leaves base_uri)",
    "options": "request options and typed close options",
    "config": "configuration JSON, private and public key PEM (no key bytes ever echoed in an error)",
    "notification": "notification headers (every shape), verification, envelope and AES-256-GCM resource decryption (only the documented categories, never a panic)",
}

RUNNERS = [
    ("Rust", "tests/sandbox/tests/faults.rs"),
    ("C (static, dynamic, ASan)", "ffi-c/tests/c/test_wxpay.c (test_fault_matrix)"),
    ("PHP", "bindings-php/tests/test_faults.php"),
    ("Python", "bindings-python/tests/test_faults.py"),
    ("Node", "bindings-node/test/faults.test.js"),
]

NOTIFY_RUNNERS = [
    ("Rust", "tests/sandbox/tests/notifications.rs"),
    ("C (static, dynamic, ASan, valgrind)", "ffi-c/tests/c/test_wxpay.c (test_notifications)"),
    ("PHP", "bindings-php/tests/test_notifications.php"),
    ("Python", "bindings-python/tests/test_notifications.py"),
    ("Node", "bindings-node/test/notifications.test.js"),
]

BAD_CALL_RUNNERS = [
    ("Rust", "tests/sandbox/tests/bad_inputs.rs (bad_call_catalogue)"),
    ("C (static, dynamic, ASan, valgrind)", "ffi-c/tests/c/test_wxpay.c (test_bad_calls: wxpay_call and wxpay_call_start)"),
    ("PHP", "bindings-php/tests/test_hostile.php (call and callAsync)"),
    ("Python", "bindings-python/tests/test_hostile.py (test_bad_call_catalogue)"),
    ("Node", "bindings-node/test/hostile.test.js (call and callSync)"),
]

BAD_RUNNERS = [
    ("Rust", "tests/sandbox/tests/bad_inputs.rs"),
    ("C (static, dynamic, ASan, valgrind)", "ffi-c/tests/c/test_wxpay.c (test_bad_inputs)"),
    ("PHP", "bindings-php/tests/test_hostile.php"),
    ("Python", "bindings-python/tests/test_hostile.py"),
    ("Node", "bindings-node/test/hostile.test.js"),
]

HOSTS = {
    "wxpay-wrong-host.test": "certificate does not cover the host name",
    "wxpay-flood.test": "endless `100 Continue` flood over HTTP/1.1 (64 heads per write), never a final answer",
    "wxpay-flood-big.test": "the same in blocks of 10,000 heads (≈256 KiB) per write, as fast as the socket takes them",
    "wxpay-flood-h2.test": "endless informational HEADERS flood over HTTP/2 (64 frames per ms)",
    "wxpay-flood-h2-big.test": "the same, 4,096 frames per burst, no pause",
    "wxpay-trickle.test": "a response head one byte every 2 ms, never finished",
    "wxpay-endless-body.test": "`200`, then an endless chunked body of 1-byte chunks (64 KiB per write every 10 ms)",
    "wxpay-endless-trailer.test": "`200`, a chunked body, then trailer fields forever",
    "wxpay-h2-continuation.test": "HTTP/2: HEADERS without END_HEADERS, then CONTINUATION frames forever",
    "wxpay-h2-ping.test": "HTTP/2: never an answer, only PING and WINDOW_UPDATE frames, as fast as they are taken",
}

# The rules of issue 11, each with the tests that hold it.
RULES = [
    ("No panic crosses any boundary, in any build",
     "Every entry point of the C ABI, the Python module, the Node addon and the CLI runs the core "
     "under `wxpay::boundary` (`catch`, `catch_future`): a panic is an `INTERNAL` error of the "
     "language's own class, an async call still completes, a Node `*Sync` method throws instead of "
     "aborting the process, and the panic's text goes into the error instead of the host program's "
     "stderr. Debug builds panic on purpose inside every call with `WXPAY_TEST_PANIC=1`.",
     "`core/tests/panic_boundary.rs`, `test_panics_are_internal_errors` (C, also checks stderr), "
     "`bindings-php/tests/test_hostile.php`, `bindings-python/tests/test_hostile.py` (sync, asyncio, "
     "a child process's stderr), `bindings-node/test/hostile.test.js` (Promises, `*Sync`, a child process)"),
    ("Arithmetic on anything from the network or the user is checked",
     "`Wechatpay-Timestamp` is 1–12 digits and the skew is computed with `checked_sub`; the DER walker "
     "and X.509 time parsing use checked or bounded arithmetic; clippy's `arithmetic_side_effects` is "
     "denied in `core/src/sign.rs` and `core/src/keys.rs`. The `verify_response` fuzz target draws "
     "`now` from the whole `i64` range and reads duplicated headers from a header map.",
     "fault `timestamp_i64_min` (every language), `core/tests/hostile_server.rs`, `make lint`, "
     "`core/tests/fuzz_corpus.rs`"),
    ("Strings crossing into the core are checked for NUL and UTF-8 where they could be cut",
     "PHP refuses a NUL byte in every string it passes as a C string (ids, templates, methods, "
     "URLs, header values) with an `InvalidArgumentException` naming the argument; the C ABI checks "
     "UTF-8 and refuses chain segments with control characters; the core refuses control characters "
     "in URI templates and placeholder values in every language.",
     "`bindings-php/tests/test_hostile.php`, `core/src/uri.rs` tests, C `test_invalid_arguments`"),
    ("Errors are classified by what happened",
     "A request that could not be built (a URL over the limit) is `INVALID_ARGUMENT` with "
     "`may_have_been_sent: false`, checked before any I/O; messages quote caller and server text at "
     "most 64 characters (server messages 256), with control characters escaped and URL "
     "credentials cut out, so an answer cannot forge lines or escape sequences in a log or "
     "terminal; the CLI escapes its stderr line as well.",
     "bad-input catalogue (`url_over_the_limit`, …), `core/tests/hostile_input.rs`"),
    ("A server that closes connections never kills the host or fails the next call",
     "SIGPIPE is blocked on the runtime threads for good, and on the caller's thread during a "
     "blocking call made there (then restored, a SIGPIPE the call raised consumed): a write to "
     "a connection the server closed fails with EPIPE instead of killing a C or PHP host "
     "(Rust, Python and Node ignore SIGPIPE themselves). A pooled connection the server closed "
     "(keep-alive timeout, deployment) is not used for the next call: a thread's idle "
     "connections are driven before each blocking call. Found by the sandbox's "
     "`POST /_sandbox/close_connections`, which killed the C test program under valgrind.",
     "`test_server_closes_idle_connections` (C, also under valgrind), "
     "`runtime/tests/blocking.rs`, "
     "`bindings-php/tests/test_hostile.php`, `bindings-python/tests/test_hostile.py`, "
     "`bindings-node/test/hostile.test.js`"),
    ("Deadlines are wall-clock deadlines whatever the server sends",
     "`timeout_ms` bounds each attempt's whole exchange with a timer that fires even while the "
     "server keeps the connection busy: a connection hands hyper at most 64 KiB before the runtime "
     "gets its turn (timers included), so a peer writing faster than the answer is parsed cannot "
     "keep the deadline from firing, on a current-thread runtime too. More than 8 informational "
     "(1xx) answers end the call at once (`TRANSPORT`, may have been sent). A connection given up "
     "on is shut down at once (HTTP/1.1 always; HTTP/2 when nothing on it was answered meanwhile), "
     "not left for the pool; 1,000 such calls leave no socket, thread or memory behind.",
     "the hostile-server faults (`informational_flood*`, `trickled_head`, `endless_*`, `h2_*`; every "
     "language, 20 runs each), `tests/sandbox/tests/flood.rs` (the same servers over TLS and plain "
     "TCP, current-thread and multi-thread runtimes, the 1,000-call leak check over every server), "
     "`core/tests/hostile_server.rs`"),
    ("Inputs have bounds",
     "Key and certificate files ≤ 64 KiB, `ca_certs` files and configuration files ≤ 1 MiB, read "
     "only when they are regular files (a FIFO or `/dev/zero` is refused at once); URLs ≤ 16 KiB; "
     "caller headers ≤ 32, each ≤ 4 KiB; `user_agent` ≤ 256 bytes; answers ≤ 4 MiB. Each error "
     "names the field and the limit.",
     "bad-input catalogue, `core/tests/hostile_input.rs`, `core/src/keys.rs` tests"),
    ("Platform keys are what WeChat Pay uses",
     "RSA ≥ 2048 bits, checked at load (a 1024-bit certificate is a `CONFIG` error naming the "
     "field, not a `BAD_SIGNATURE` on every answer); an expired platform certificate is refused at "
     "load, and once it expires an answer it signs fails as `CERTIFICATE_EXPIRED`; a repeated "
     "`Wechatpay-Signature`/`-Serial`/`-Timestamp`/`-Nonce` header is `MALFORMED_HEADERS`, never "
     "\"the first one wins\"; `user:pass@` in a base URI is refused (it would have sent a second "
     "`Authorization` header with the credentials).",
     "fault `duplicate_signature`, bad-input catalogue, `core/tests/hostile_input.rs`"),
    ("Downloaded certificates are trusted only through the APIv3 key",
     "A certificate download is decrypted and checked (AES-GCM tag under the APIv3 key; serial = "
     "`serial_no`; RSA ≥ 2048; expired ones dropped) before its answer's signature is verified "
     "with what it carried, and nothing is installed unless all of it holds; a wrong APIv3 key is "
     "`DECODE` \"wrong APIv3 key\", a lying `serial_no` is `DECODE`. A forged unknown serial "
     "triggers at most one download a minute; 64 calls in flight during a rotation make one "
     "download and never resend a request (the same answer is verified again).",
     "`tests/sandbox/tests/certificates.rs`, `bindings-*/…certificates*`, C `test_certificates`"),
    ("Downloads are streamed, bounded, checked and all-or-nothing",
     "A bill, a statement or a `download_url` is streamed into a temporary file next to the "
     "target (memory stays flat), bounded by `max_bytes` after decompression (a gzip bomb is "
     "`DECODE`), and renamed into place only once complete and checked; on any failure nothing is "
     "left. Sandbox faults: `wrong_digest` (the bill's `hash_value` or the statement's "
     "`Wechatpay-Statement-Sha1` lies) → `VERIFY` `DIGEST_MISMATCH`; `truncated_body` (the body "
     "breaks off halfway, plain or gzip) → `TRANSPORT`; `slow_body` (a pause longer than "
     "`timeout_ms` between chunks) → `TIMEOUT`; `bad_signature` / `no_signature` on a statement → "
     "`VERIFY` before a byte is written. A `download_url` on any host but WeChat Pay's (or the "
     "configured `base_uri`'s), over plain HTTP or with credentials is `INVALID_ARGUMENT` and "
     "never receives the merchant's signature. An upload over its endpoint's limit is "
     "`INVALID_ARGUMENT` with nothing sent.",
     "`tests/sandbox/tests/files.rs`, `cli/tests/cli.rs`, C `test_files`, "
     "`bindings-php/tests/test_files.php`, `bindings-python/tests/test_files.py`, "
     "`bindings-node/test/files.test.js`"),
]


def cell(v: object) -> str:
    if v is None:
        return "—"
    if v == "":
        return '`""`'
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"`{v}`"


def fault_text(case: dict) -> str:
    f = case["fault"]
    client = case["client"]
    if case.get("host"):
        return HOSTS.get(case["host"], case["host"])
    if f is None:
        return {
            "dead_port": "nothing listens on the resolved port",
            "wrong_host": "certificate does not cover the host name",
            "no_ca": "sandbox CA not trusted",
        }.get(client, client)
    extra = ", ".join(f"{k}={v}" for k, v in f.items() if k != "fault")
    return f"`{f['fault']}`" + (f" ({extra})" if extra else "")


def render() -> str:
    out = []
    w = out.append
    w("# Reliability\n")
    w("<!-- Generated by tests/reliability/generate.py from tests/reliability/faults.json and")
    w("     fuzz/last-run.json; `make test` fails when this file is out of date. -->\n")
    w("What wxpay guarantees when things go wrong, and the tests that hold it to that. Every claim")
    w("below is enforced by `make test` (CI) unless it says otherwise.\n")

    w("## Fault matrix\n")
    w(f"Each case runs in **every language** — {', '.join(name for name, _ in RUNNERS)} — against")
    w("the sandbox over TLS, with the typed close call and a client configured with")
    w(f"`timeout_ms = {SPEC['timeout_ms']}` (unless a case sets its own) and `retries = {SPEC['retries']}`. Each asserts the error code, whether")
    w("the request may have been sent, the HTTP status, WeChat Pay's code, the verification failure,")
    w("how many requests reached the sandbox (retries explained, nothing duplicated), that the call")
    w("returned within its deadline, and that the client still works afterwards.\n")
    w("A case with runs > 1 is repeated that many times in every language, each run on its own.\n")
    w("| case | fault | outcome | may have been sent | HTTP | WeChat Pay code | verify failure | requests at the sandbox | timeout_ms | within | runs |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for c in SPEC["cases"]:
        e = c["expect"]
        outcome = f"`{e['code']}`" if e["code"] else "success"
        w(
            f"| {c['name']} | {fault_text(c)} | {outcome} | {cell(e['may_have_been_sent'])} | {cell(e['status'])} "
            f"| {cell(e['api_code'])} | {cell(e['verify_failure'])} | {e['attempts']} "
            f"| {c.get('timeout_ms', SPEC['timeout_ms'])} | {c['max_ms']} ms | {c.get('repeat', 1)} |"
        )
    w(f"\n{len(SPEC['cases'])} cases × {len(RUNNERS)} languages. Runners: " + "; ".join(f"{n}: `{p}`" for n, p in RUNNERS) + ".\n")

    w("## Load\n")
    w("- **20,000 calls with mixed faults** (`tests/sandbox/tests/load.rs`): one client, 64 in flight; one")
    w("  call in five meets a fault aimed at it alone (500 once, 503 until retries run out, a bad")
    w("  signature, a dropped connection). Every call ends exactly once with its expected outcome")
    w("  (17,000 succeed, 1,000 each `API`, `VERIFY`, `TRANSPORT`) and the sandbox saw each call")
    w("  exactly as often as retries explain: none lost, none duplicated.")
    w("- **64 C threads** share one `wxpay_client_t` (`ffi-c/tests/c/test_wxpay.c`), also under valgrind.")
    w("- **Python**: 64 calls from 16 threads on one client, with the GIL released; 100 concurrent asyncio")
    w("  calls under `asyncio.gather`; cancelling a call aborts it.")
    w("- **Node**: 1,000 concurrent Promises from one client while a timer keeps ticking.")
    w("- **Rust**: 100 concurrent tasks on one client; PHP: 20 concurrent `…Async` promises.\n")

    w("## Rules\n")
    w("What holds for every call in every language, whatever a server or a caller sends:\n")
    w("| rule | how | tested by |")
    w("| --- | --- | --- |")
    for rule, how, tests in RULES:
        w(f"| {rule} | {how} | {tests} |")
    w("")

    w("## Notifications\n")
    w("The sandbox mints each notification as WeChat Pay sends it (signed with the platform key,")
    w("`resource` encrypted with the APIv3 key, AES-256-GCM done with AWS-LC directly, not the core)")
    w("and **every language** parses it (`tests/reliability/notifications.json`); the answer column is")
    w("the status the answer helper gives:\n")
    w("| case | sandbox fault | outcome | reason | answer | why |")
    w("| --- | --- | --- | --- | --- | --- |")
    for case in NOTIFY["cases"]:
        e = case["expect"]
        outcome = f"`{e['code']}`" if e["code"] else f"parsed, `{e['event_type']}`"
        w(f"| {case['name']} | {cell(case['fault'])} | {outcome} | {cell(e['verify_failure'])} | {e['answer_status']} | {case['why']} |")
    runners = "; ".join(f"{lang}: `{path}`" for lang, path in NOTIFY_RUNNERS)
    w(f"\n{len(NOTIFY['cases'])} cases × 5 languages. Runners: {runners}. Also in every language")
    w("except C: a real HTTP endpoint (Rust: a TCP server; PHP: the built-in web server; Python: a")
    w("WSGI app; Node: `http.createServer`) receives a `WECHATPAY/SIGNTEST/` probe from the sandbox,")
    w("answers 401, and receives the redelivery, answered 204. Hostile input is refused before any")
    w("work: a body over 1 MiB (`DECODE`), a signature header given twice (`MALFORMED_HEADERS`),")
    w("re-serialised JSON (`BAD_SIGNATURE`), parsed JSON instead of bytes (`INVALID_ARGUMENT` in")
    w("Python, Node and PHP), any text after the probe prefix (`SIGNTEST`, never a crash).\n")

    w("## Bad input\n")
    w("The shared catalogue (`tests/reliability/bad_inputs.json`) runs in **every language**; each")
    w("case must fail with its code, send nothing, name what is wrong and quote the input only in")
    w("bounded form (message ≤ 600 characters, the listed texts absent):\n")
    w("| case | input | outcome | the message names | why |")
    w("| --- | --- | --- | --- | --- |")
    for case in BAD["cases"]:
        if "config" in case:
            what = "configuration " + ", ".join(f"`{k}`" for k in case["config"])
        else:
            what = f"request option(s) " + ", ".join(f"`{k}`" for k in case["call"]["options"])
        names = ", ".join(f"`{m}`" for m in case["expect"]["mentions"])
        w(f"| {case['name']} | {what} | `{case['expect']['code']}` | {names} | {case['why']} |")
    runners = "; ".join(f"{lang}: `{path}`" for lang, path in BAD_RUNNERS)
    w(f"\n{len(BAD['cases'])} cases × 5 languages. Runners: {runners}.\n")
    w("### Typed calls\n")
    w("The typed calls' catalogue (`tests/reliability/bad_calls.json`) runs through each language's")
    w("**generic entry** (the one every typed method goes through); each case must fail with its")
    w("code before anything is sent and name the argument at fault (`argument`; — where no single")
    w("argument is):\n")
    w("| case | call | argument | the message names | why |")
    w("| --- | --- | --- | --- | --- |")
    for case in BAD_CALLS["cases"]:
        names = ", ".join(f"`{m}`" for m in case["expect"]["mentions"])
        arg = f"`{case['expect']['argument']}`" if case["expect"]["argument"] else "—"
        w(f"| {case['name']} | `{case['call']}` | {arg} | {names} | {case['why']} |")
    runners = "; ".join(f"{lang}: `{path}`" for lang, path in BAD_CALL_RUNNERS)
    w(f"\n{len(BAD_CALLS['cases'])} cases × 5 languages. Runners: {runners}.\n")
    w("Also each gives an error that names what is wrong, and sends nothing:\n")
    w("- every configuration field wrong in type, empty, missing or malformed; unknown fields with a")
    w("  \"did you mean\"; key material that is encrypted, EC, a certificate where a key belongs, a")
    w("  public key, garbage, a missing file (`core/src/config.rs`, `core/tests/client_config.rs`, and")
    w("  each binding's configuration tests);")
    w("- order ids that are empty, longer than 32, or contain `/`, `.`, `?`, `#`, `%`, spaces or")
    w("  non-ASCII (typed close, all languages); in generic URI templates such values are")
    w("  percent-encoded as one path segment, `.`/`..` and empty values are refused, and a template")
    w("  that would leave `base_uri` (`//host`, `\\`, dot segments, `scheme:`) is refused;")
    w("- unknown HTTP methods, a GET with a body, options that are not an object, options or bodies")
    w("  that cannot be serialised (NaN, BigInt, objects), typos in placeholder names;")
    w("- per language: NULL pointers, non-UTF-8 strings, invalid JSON and NULL out-parameters in C;")
    w("  wrong types in PHP, Python and Node.\n")

    w("## Memory safety\n")
    w("- C tests run statically linked, dynamically linked, with AddressSanitizer + LeakSanitizer +")
    w("  UBSan, and under valgrind (`--leak-check=full`, definite and indirect leaks are errors): zero")
    w("  errors, zero leaks (`make test-c`).")
    w("- Panics never cross a boundary (see Rules): `WXPAY_ERR_INTERNAL` in C, `InternalException` in")
    w("  PHP, `wxpay.InternalError` in Python and Node, exit code 1 in the CLI.")
    w("- Fuzzing (`fuzz/`, cargo-fuzz + libFuzzer with ASan): `make fuzz` runs each target for 10")
    w("  minutes and grows its committed corpus; `make test` replays the corpus plus 3,000")
    w("  deterministic mutations per target (`core/tests/fuzz_corpus.rs`).\n")
    w("| target | what | last long run |")
    w("| --- | --- | --- |")
    for name, what in FUZZ_TARGETS.items():
        r = FUZZ.get(name)
        run = (
            f"{r['seconds']} s, {r['runs']:,} executions, {r['crashes']} crashes ({r['date']})"
            if r and r.get("runs") is not None
            else "not run yet"
        )
        w(f"| `{name}` | {what} | {run} |")
    w("\nFound by fuzzing and fixed: a malformed PEM `BEGIN` line made the key error echo key bytes;")
    w("URI templates could leave `base_uri` (`//host`, `\\`, dot segments, a first segment with `:`);")
    w("an unknown PEM label was echoed in the error (now only known labels are ever named). The")
    w("`config` target found the last one 2.8 M executions into its first 10-minute run; the run")
    w("listed is the full 10-minute run after the fix.\n")

    w("## fork()\n")
    w("The runtime and each client's connection pool are per process (`wxpay::process`): a child")
    w("gets new ones on first use and never shares a TLS connection with its parent. Tested with")
    w("`pcntl_fork` in PHP and `os.fork` in Python: the child calls (sync and async) after the parent")
    w("did, and the parent keeps working.\n")

    w("## Secrets\n")
    w("- Private key text and DER are held in zeroizing buffers and wiped after parsing; the parsed key")
    w("  lives in AWS-LC, which cleanses it when freed. `Config`, `Signer`, `PrivateKey` and `Client`")
    w("  print redacted `Debug` output.")
    w("- No key material in any error message, `Debug` output or exception repr: tested in Rust,")
    w("  C, PHP, Python and Node for every bad-key case, and by the `config` fuzz target on arbitrary")
    w("  input.")
    w("- TLS verification is always on; `ca_certs` only adds roots. Plain `http://` only with")
    w("  `insecure_http: true`. Redirects are not followed; proxies from the environment are ignored")
    w("  unless `proxy_from_env: true`; a configured `proxy`'s password never appears in a message or")
    w("  `Debug` output (tested in every language, `tests/sandbox/tests/proxy.rs`).\n")
    return "\n".join(out) + "\n"


def main() -> int:
    target = ROOT / "RELIABILITY.md"
    text = render()
    if "--check" in sys.argv:
        if not target.exists() or target.read_text() != text:
            print("RELIABILITY.md is out of date: run python3 tests/reliability/generate.py", file=sys.stderr)
            return 1
        print("RELIABILITY.md matches tests/reliability/faults.json and fuzz/last-run.json")
        return 0
    target.write_text(text)
    print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
