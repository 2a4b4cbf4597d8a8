#!/usr/bin/env python3
"""wxpay benchmarks: `make bench` (full run, writes BENCHMARKS.md) and `make test-bench` (--smoke:
a tiny run that proves every client and the report work; no figure is asserted).

One run on one machine:
  1. the floor: `openssl speed rsa2048` (sign + verify), before and after the client runs;
  2. the sandbox over TLS in --bench mode (requests authenticated, not logged; response
     signature reused within a second);
  3. N close calls through every wxpay client (Rust core, C threads, PHP sync/async, Python
     threads/asyncio, Node async) at concurrency 1 and 64, repeated; each client process reports
     its own wall time, CPU (getrusage: user+sys, all threads) over the measured calls, peak RSS
     and per-call latencies (bench/README.md, "client protocol");
  4. the same workload through the peers (wechatpayv3, wechatpay-axios-plugin,
     wechatpay-node-v3, installed under target/bench and bench/node/node_modules only; and
     wechatpay-php, vendored under bench/php/peers over Debian's Guzzle);
  5. a long run of 100,000 calls per binding (RSS after 1,000 calls vs peak);
  6. php-fpm: worker CPU per request (a fresh Builder::factory + the seed call, and an empty
     request) in pools with the extension (with and without opcache.preload), FFI + preload
     and 100 merchants (bench/fpm.py); before it, a new process's first call per client;
  7. the criterion micro-benchmarks (core/benches/micro.rs);
and writes BENCHMARKS.md (and the raw figures to bench/results/last-run.json).
Standard library only. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fpm

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = ROOT / "target" / "bench"

# (id, label, kind, modes): kind "wxpay" or "peer"; each mode is (mode, concurrencies, calls per
# run in the full benchmark). The mode is passed to the client as BENCH_MODE.
CLIENTS = [
    ("rust", "wxpay Rust core (Tokio)", "wxpay",
     [("async", (1, 64), (1500, 4000)), ("payday", (1, 64), (750, 2000)), ("merchants", (64,), (4000,))]),
    ("c", "wxpay C (threads, blocking wxpay_request)", "wxpay", [("threads", (1, 64), (1500, 4000))]),
    ("php", "wxpay PHP (FFI)", "wxpay",
     [("sync", (1,), (1500,)), ("declarative", (1,), (1500,)), ("async", (1, 64), (1500, 4000))]),
    ("phpext", "wxpay PHP (extension)", "wxpay",
     [("sync", (1,), (1500,)), ("declarative", (1,), (1500,)), ("async", (1, 64), (1500, 4000))]),
    ("python", "wxpay Python", "wxpay",
     [("threads", (1, 64), (1500, 4000)), ("asyncio", (1, 64), (1500, 4000)), ("payday", (1,), (750,))]),
    ("node", "wxpay Node (Promises)", "wxpay", [("async", (1, 64), (1500, 4000))]),
    ("wechatpayv3", "wechatpayv3 2.0.4 (PyPI)", "peer",
     [("threads", (1, 64), (300, 600)), ("asyncio", (1, 64), (600, 600))]),
    ("axios", "wechatpay-axios-plugin 0.9.6 (npm)", "peer", [("async", (1, 64), (1000, 1000))]),
    ("nodev3", "wechatpay-node-v3 2.2.1 (npm)", "peer", [("async", (1, 64), (400, 600))]),
    ("wechatpayphp", "wechatpay-php 1.4.12 (vendored)", "peer",
     [("declarative", (1,), (1500,)), ("async", (1, 64), (1500, 2000))]),
]
# The seed's declarative PHP call (`$instance->chain('v3/…/close')->post([...])`, the chain built
# per call) is the mode "declarative" of both wxpay PHP drivers and of wechatpay-php, the same
# request on the same HK URL, so the three rows compare like for like.
DECLARATIVE = "declarative"
# The payment day's round trip (create_native + query_out_trade_no through the typed calls: two
# signed calls, two verified answers) is the mode "payday" of the Rust and Python clients; its
# rows have their own table, against twice the floor.
PAYDAY = "payday"
# Many merchants in one process (issue 27 §2): the Rust client's close calls round robin over
# MERCHANTS merchants' clients (each its mchid, serial and parsed key; built through the bindings'
# cache, ForkSafeClient::shared), against its own one-merchant "async" row of the same run.
MERCHANTS_MODE = "merchants"
MERCHANTS = 1000
OWN_TABLE = (PAYDAY, MERCHANTS_MODE)
# Long run (memory): which mode of each binding, at concurrency 64. The two extra rows hold the
# allocator still to show what the growth of their plain rows is (bench/ANALYSIS.md): glibc's
# per-thread caches filling across 64 C threads, and V8 growing its young generation.
C_NO_TCACHE = "threads, glibc tcache off"
NODE_SMALL_SEMI = "async, V8 --max-semi-space-size=2"
LONG = [("rust", "async"), ("c", "threads"), ("c", C_NO_TCACHE), ("php", "async"),
        ("python", "asyncio"), ("node", "async"), ("node", NODE_SMALL_SEMI)]


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(cmd: list[str], cwd: Path = ROOT, env: dict | None = None, quiet: bool = True) -> str:
    r = subprocess.run(cmd, cwd=cwd, env=env, text=True, capture_output=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-4000:] + r.stderr[-4000:])
        sys.exit(f"bench: `{' '.join(cmd)}` failed (exit {r.returncode})")
    if not quiet:
        sys.stderr.write(r.stderr)
    return r.stdout


def version_of(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, text=True, capture_output=True).stdout.strip()
        return out.splitlines()[0] if out else "?"
    except OSError:
        return "not installed"


# ---------------------------------------------------------------------------------------------
# Build


class Build:
    """Everything the clients need, built for `profile` ("release", or "debug" for --smoke)."""

    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.target = ROOT / "target" / profile
        WORK.mkdir(parents=True, exist_ok=True)

    def all(self) -> None:
        flag = ["--release"] if self.profile == "release" else []
        # The Node addon straight from cargo (same target/ as the rest, no second dependency
        # build as the napi CLI's --target would do), loaded via NAPI_RS_NATIVE_LIBRARY_PATH.
        # A smoke run reuses the debug addon `make test-node` built, when there is one.
        tested_addon = ROOT / "bindings-node" / "wxpay.linux-x64-gnu.node"
        reuse = self.profile == "debug" and tested_addon.exists()
        log(f"cargo build ({self.profile}): sandbox, Rust bench client, C library"
            + ("" if reuse else ", Node addon"))
        sh(["cargo", "build", *flag, "-p", "wxpay-sandbox", "-p", "wxpay-bench", "-p", "wxpay-ffi",
            *([] if reuse else ["-p", "wxpay-node"])])
        if reuse:
            self.node_addon = tested_addon
        else:
            self.node_addon = WORK / f"wxpay-{self.profile}.node"
            shutil.copyfile(self.target / "libwxpay_node.so", self.node_addon)
        log(f"phpize: the PHP extension ({self.profile})")
        self.ext_so = Path(sh(["bindings-php/ext/build.sh", self.profile]).strip().splitlines()[-1])
        log("gcc: C bench client")
        self.c_client = WORK / f"bench-c-{self.profile}"
        sh(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-std=c11", "-D_GNU_SOURCE",
            f"-I{ROOT / 'include'}", str(BENCH / "c" / "bench.c"), f"-L{self.target}", "-lwxpay",
            "-lpthread", f"-Wl,-rpath,{self.target}", "-o", str(self.c_client)])
        log("sha256sum: the vendored wechatpay-php is upstream's release, unmodified (bench/php/peers)")
        sh(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=BENCH / "php" / "peers")
        self.python_env()
        log("npm ci: Node peers (bench/node/node_modules)")
        sh(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=BENCH / "node")

    def python_env(self) -> None:
        """target/bench/venv: the peers (bench/requirements.txt, pinned) and wxpay's wheel."""
        self.venv = WORK / "venv"
        py = self.venv / "bin" / "python"
        if not py.exists():
            log("python venv: target/bench/venv")
            sh([sys.executable, "-m", "venv", str(self.venv)])
        log("pip: peers and maturin from bench/requirements.txt")
        sh([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
            str(BENCH / "requirements.txt")])
        wheels = WORK / f"wheels-{self.profile}"
        shutil.rmtree(wheels, ignore_errors=True)
        log(f"maturin: wxpay wheel ({self.profile})")
        profile = ["--release"] if self.profile == "release" else ["--profile", "dev"]
        sh([str(self.venv / "bin" / "maturin"), "build", "-q", *profile, "-o", str(wheels)],
           cwd=ROOT / "bindings-python")
        wheel = next(wheels.glob("*.whl"))
        sh([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
            "--force-reinstall", "--no-deps", str(wheel)])
        self.python = str(py)

    def command(self, client: str, mode: str) -> tuple[list[str], dict]:
        """The command line and extra environment of one bench client."""
        if client == "rust":
            return [str(self.target / "wxpay-bench")], {"BENCH_MODE": mode, "BENCH_MERCHANTS": str(MERCHANTS)}
        if client == "c":
            tunables = {"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"} if mode == C_NO_TCACHE else {}
            return [str(self.c_client)], tunables
        if client == "php":
            return (["php", "-d", "ffi.enable=1", str(BENCH / "php" / "bench.php")],
                    {"WXPAY_LIB": str(self.target / "libwxpay.so"), "BENCH_MODE": mode})
        if client == "phpext":
            return (["php", "-d", f"extension={self.ext_so}", str(BENCH / "php" / "bench.php")],
                    {"WXPAY_DRIVER": "ext", "BENCH_MODE": mode})
        if client == "wechatpayphp":
            return ["php", str(BENCH / "php" / "wechatpay_php.php")], {"BENCH_MODE": mode}
        if client == "python":
            return [self.python, str(BENCH / "python" / "wxpay_client.py")], {"BENCH_MODE": mode}
        if client == "wechatpayv3":
            return [self.python, str(BENCH / "python" / "wechatpayv3_client.py")], {"BENCH_MODE": mode}
        script = {"node": "wxpay_client.js", "axios": "axios_plugin_client.js",
                  "nodev3": "node_v3_client.js"}[client]
        env = {"NAPI_RS_NATIVE_LIBRARY_PATH": str(self.node_addon)}
        if mode == NODE_SMALL_SEMI:
            env["NODE_OPTIONS"] = "--max-semi-space-size=2"
        return ["node", str(BENCH / "node" / script)], env


# ---------------------------------------------------------------------------------------------
# The floor and the sandbox


def openssl_speed(seconds: int) -> dict:
    out = sh(["openssl", "speed", "-seconds", str(seconds), "rsa2048"])
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("rsa 2048 bits") and len(parts) >= 7:
            sign_s, verify_s = float(parts[3].rstrip("s")), float(parts[4].rstrip("s"))
            return {"sign_us": sign_s * 1e6, "verify_us": verify_s * 1e6,
                    "sign_per_s": float(parts[5]), "verify_per_s": float(parts[6])}
    sys.exit(f"bench: cannot read `openssl speed rsa2048` output:\n{out}")


class Sandbox:
    def __init__(self, build: Build) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="wxpay-bench-"))
        self.config = self.dir / "c.json"
        # The test merchant, and the MERCHANTS merchants of the "merchants" mode (mchid
        # 1900000000 + i; the test key between them, which the sandbox verifies per mchid).
        fixtures = ROOT / "tests" / "fixtures"
        merchants = ["--merchant", f"1230000109={fixtures / 'merchant_cert.pem'}"]
        for i in range(MERCHANTS):
            merchants += ["--merchant", f"{1900000000 + i}={fixtures / 'merchant_pub.pem'}"]
        self.proc = subprocess.Popen(
            [str(build.target / "wxpay-sandbox"), "--tls", "--bench", "--state-dir", str(self.dir),
             "--client-config", str(self.config), *merchants],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            sys.exit("bench: the sandbox did not start")
        info = json.loads(line)
        self.url, self.ca = info["url"], info["ca_cert"]

    def env(self) -> dict:
        return {"BENCH_CONFIG": str(self.config), "BENCH_URL": self.url, "BENCH_CA": self.ca,
                "NODE_EXTRA_CA_CERTS": self.ca}

    def cpu_s(self) -> float:
        """The sandbox process's user+sys CPU seconds so far (/proc/PID/stat)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_client(build: Build, sandbox: Sandbox, client: str, mode: str, c: int, n: int,
               warmup: int, extra: dict | None = None) -> dict:
    cmd, env_extra = build.command(client, mode)
    env = {**os.environ, **sandbox.env(), **env_extra, "BENCH_N": str(n), "BENCH_C": str(c),
           "BENCH_WARMUP": str(warmup), **(extra or {})}
    cpu0 = sandbox.cpu_s()
    r = subprocess.run(cmd, env=env, text=True, capture_output=True, timeout=1800)
    sandbox_cpu = sandbox.cpu_s() - cpu0
    if r.returncode != 0 or not r.stdout.strip():
        sys.stderr.write(r.stderr[-3000:])
        sys.exit(f"bench: client {client}/{mode} at concurrency {c} failed (exit {r.returncode})")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    if out["n"] != n or (out.get("lat_us") and len(out["lat_us"]) != n):
        sys.exit(f"bench: client {client}/{mode} reported {out['n']} calls, not {n}")
    # The sandbox's CPU over the whole client process (warm-up included), per measured call.
    out["sandbox_cpu_us"] = sandbox_cpu / (n + warmup) * 1e6
    return out


# A new process's first call: a CLI script, a cron job or a serverless start makes one call and
# exits. Each row runs the client FIRST_CALL_RUNS times with BENCH_N=1 and no warm-up and takes
# the process's whole CPU (start-up, configuration, key parsing, the TLS handshake, the call) from
# getrusage(RUSAGE_CHILDREN). The empty process beside it is the same interpreter doing nothing.
FIRST_CALL = [("c", "threads"), ("phpext", "declarative"), ("php", "declarative"),
              ("wechatpayphp", "declarative"), ("python", "threads"), ("node", "async")]
FIRST_CALL_RUNS = 30


def first_call(build: Build, sandbox: Sandbox, client: str, mode: str, runs: int) -> dict:
    """CPU µs of `runs` fresh processes making one call each, and of the bare interpreter."""
    cmd, env_extra = build.command(client, mode)
    env = {**os.environ, **sandbox.env(), **env_extra, "BENCH_N": "1", "BENCH_C": "1",
           "BENCH_WARMUP": "0", "BENCH_LATENCIES": "0"}
    bare = {"c": ["true"], "python": [build.python, "-c", "pass"], "node": ["node", "-e", "0"]}.get(
        client, ["php", *cmd[1:-1], "-r", ";"])

    def cpu_us(argv: list[str]) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode != 0:
            sys.stderr.write(r.stderr[-3000:])
            sys.exit(f"bench: first call of {client}/{mode} failed (exit {r.returncode})")
        return ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1e6

    calls, empties = [], []
    for _ in range(runs):
        calls.append(cpu_us(cmd))
        empties.append(cpu_us(bare))
    return {"runs": runs, "call_us": spread(calls), "empty_us": spread(empties)}


def summarise(out: dict) -> dict:
    """One run's figures: calls/s, p50/p99 latency (ms), CPU per call (µs), peak RSS (MiB)."""
    lat = sorted(out["lat_us"])
    pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000) if lat else (lambda q: 0.0)
    return {
        "calls_per_s": out["n"] / out["wall_s"],
        "p50_ms": pct(0.50), "p99_ms": pct(0.99),
        "cpu_us": (out["cpu_user_s"] + out["cpu_sys_s"]) / out["n"] * 1e6,
        "user_us": out["cpu_user_s"] / out["n"] * 1e6, "sys_us": out["cpu_sys_s"] / out["n"] * 1e6,
        "rss_mib": out["maxrss_kb"] / 1024,
        "sandbox_cpu_us": out.get("sandbox_cpu_us", 0.0),
        # Context switches of the whole client process per call (getrusage: voluntary +
        # involuntary, all threads): the thread hand-offs a call costs.
        "ctxsw_per_call": out.get("ctxsw", float("nan")) / out["n"],
        # The "merchants" mode's memory per merchant and connections opened (others: absent).
        **({"merchant_kib": out["merchant_kib"], "connections": out["connections"]}
           if "merchant_kib" in out else {}),
    }


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


# ---------------------------------------------------------------------------------------------
# Criterion


def criterion(smoke: bool) -> list[dict]:
    if smoke:
        return []
    log("criterion micro-benchmarks (core/benches/micro.rs)")
    sh(["cargo", "bench", "-p", "wxpay-apiv3", "--bench", "micro", "--", "--warm-up-time", "1",
        "--measurement-time", "4", "--noplot"])
    rows = []
    for est in sorted((ROOT / "target" / "criterion").glob("*/*/new/estimates.json")):
        meta = json.loads((est.parent / "benchmark.json").read_text())
        e = json.loads(est.read_text())
        rows.append({"group": meta["group_id"], "name": meta["function_id"],
                     "median_ns": e["median"]["point_estimate"],
                     "lo_ns": e["median"]["confidence_interval"]["lower_bound"],
                     "hi_ns": e["median"]["confidence_interval"]["upper_bound"]})
    return rows


# ---------------------------------------------------------------------------------------------
# Report


def fmt_time_ns(ns: float) -> str:
    return f"{ns / 1000:.1f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem, "kernel": platform.release(),
        "rustc": version_of(["rustc", "--version"]), "python": platform.python_version(),
        "node": version_of(["node", "--version"]), "php": version_of(["php", "--version"]),
        "openssl": version_of(["openssl", "version"]),
    }


def write_report(path: Path, data: dict) -> None:
    floor = data["floor"]
    floor_us = floor["sign_us"] + floor["verify_us"]
    res = data["results"]
    label = {cid: lab for cid, lab, *_ in CLIENTS}
    kind = {cid: k for cid, _l, k, _m in CLIENTS}
    L = []
    w = L.append
    w("# wxpay benchmarks\n")
    w(f"Written by `make bench` ({'smoke run: tiny N, not meaningful' if data['smoke'] else 'full run'})"
      f" on {data['date']}. Raw figures: `bench/results/last-run.json`. How to read and reproduce"
      " them: `bench/README.md`.\n")
    m = data["machine"]
    w("## Machine\n")
    w(f"{m['cpu']}, {m['cores']} cores, {m['memory']}, Linux {m['kernel']}; {m['rustc']}; "
      f"Python {m['python']}; Node {m['node']}; {m['php'].split('(')[0].strip()}; {m['openssl']}. "
      "The sandbox runs on the same cores as the client under test.\n")
    w("## The floor (`openssl speed rsa2048`, same run)\n")
    w("| | sign | verify | floor per close call (1 sign + 1 verify) |")
    w("| --- | --- | --- | --- |")
    for when, f in (("before the client runs", floor["before"]), ("after", floor["after"])):
        w(f"| {when} | {f['sign_us']:.0f} µs ({f['sign_per_s']:.0f}/s) | {f['verify_us']:.1f} µs "
          f"({f['verify_per_s']:.0f}/s) | {f['sign_us'] + f['verify_us']:.0f} µs |")
    w(f"\nFloor used for the ratios below: **{floor_us:.0f} µs** of CPU per call (mean of both).\n")

    w("## Close calls\n")
    w(f"Each row: {data['repeats']} run(s) (interleaved with every other row), median with "
      "min–max. CPU is user+sys of the whole client process over the measured calls "
      "(getrusage), divided by the calls; RSS is the process's peak. wxpay clients close by "
      "`transaction_id` on the HK base URI (the seed call); peers close by `out_trade_no` on the "
      "domestic endpoint; both are a signed POST with a small JSON body answered by a signed 204. "
      "\"switches\" is the client process's context switches per call (getrusage, voluntary + "
      "involuntary, all threads). The last column is the sandbox's own CPU per call (clock ticks "
      "of /proc/PID/stat, so coarse), on the same two cores.\n")
    w("| client | mode | conc. | N | calls/s | p50 ms | p99 ms | CPU µs/call | ÷ floor | switches/call | peak RSS MiB | sandbox CPU µs/call |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, r in res.items():
        cid, mode, c = key.split("/")
        if mode in OWN_TABLE:
            continue
        s = r["stats"]
        rng = lambda k, f="{:.0f}": f"{f.format(s[k]['median'])} ({f.format(s[k]['min'])}–{f.format(s[k]['max'])})"
        w(f"| {label[cid]} | {mode} | {c} | {r['n']} | {rng('calls_per_s')} | {rng('p50_ms', '{:.2f}')} | "
          f"{rng('p99_ms', '{:.2f}')} | {rng('cpu_us')} | {s['cpu_us']['median'] / floor_us:.2f}× | "
          f"{s.get('ctxsw_per_call', {}).get('median', float('nan')):.1f} | "
          f"{s['rss_mib']['median']:.0f} | {s.get('sandbox_cpu_us', {}).get('median', float('nan')):.0f} |")

    def tput(cid: str, mode: str, c: int) -> float | None:
        r = res.get(f"{cid}/{mode}/{c}")
        return r["stats"]["calls_per_s"]["median"] if r else None

    w("\n## The payment day: create + query round trip\n")
    w("Each round trip is `create_native` with a fresh `out_trade_no` then `query_out_trade_no` "
      "of that order, through the catalogue's typed calls (arguments checked, the answer's typed "
      "fields read) against the stateful sandbox: two signed requests and two verified answers, "
      "so its floor is **twice** the close call's. Beside it, the same client's close call at the "
      "same concurrency (one signed request, one verified 204).\n")
    w("| client | conc. | N | round trips/s | p50 ms | p99 ms | CPU µs/round trip | ÷ 2 × floor | close: CPU µs/call | close ÷ floor |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, r in res.items():
        cid, mode, c = key.split("/")
        if mode != PAYDAY:
            continue
        s = r["stats"]
        close_mode = "async" if cid == "rust" else "threads"
        close = res.get(f"{cid}/{close_mode}/{c}")
        close_cpu = close["stats"]["cpu_us"]["median"] if close else None
        w(f"| {label[cid]} | {c} | {r['n']} | {s['calls_per_s']['median']:.0f} | {s['p50_ms']['median']:.2f} | "
          f"{s['p99_ms']['median']:.2f} | {s['cpu_us']['median']:.0f} | {s['cpu_us']['median'] / (2 * floor_us):.2f}× | "
          + (f"{close_cpu:.0f} | {close_cpu / floor_us:.2f}× |" if close_cpu else "– | – |"))

    w("\n## Many merchants in one process\n")
    w(f"The Rust client's close calls round robin over {MERCHANTS:,} merchants' clients (each its own "
      "mchid, serial and parsed RSA key, built through the bindings' client cache, "
      "`ForkSafeClient::shared`, capacity raised to fit), every request signed as its merchant and "
      "verified by the sandbox against that mchid's key; beside it the same client's one-merchant "
      "close call at the same concurrency. Memory: RSS growth while building the clients, per "
      "merchant. Connections: accepted by the sandbox from the warm-up on (the merchants share the "
      "process's pool for their connection settings; in a cold burst the first call makes the "
      "connection while the others wait for it, so an HTTP/2 host gets one).\n")
    w("| client | merchants | conc. | N | calls/s | CPU µs/call | one merchant: CPU µs/call | ÷ one merchant | memory per merchant | connections |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, r in res.items():
        cid, mode, c = key.split("/")
        if mode != MERCHANTS_MODE:
            continue
        s = r["stats"]
        one = res.get(f"{cid}/async/{c}")
        one_cpu = one["stats"]["cpu_us"]["median"] if one else None
        kib = s.get("merchant_kib", {}).get("median", float("nan"))
        conns = s.get("connections", {}).get("median", float("nan"))
        w(f"| {label[cid]} | {MERCHANTS:,} | {c} | {r['n']} | {s['calls_per_s']['median']:.0f} | "
          f"{s['cpu_us']['median']:.0f} | " + (f"{one_cpu:.0f} | {s['cpu_us']['median'] / one_cpu:.2f}× | " if one_cpu else "– | – | ")
          + f"{kib:.1f} KiB | {conns:.0f} |")

    w("\n## Ratios\n")
    w("Throughput of each wxpay client ÷ each peer's, same concurrency (medians):\n")
    peers = [(cid, mode) for cid, _l, k, modes in CLIENTS if k == "peer" for mode, *_ in modes]
    w("| wxpay client | conc. | " + " | ".join(f"÷ {label[p].split(' ')[0]} {m}" for p, m in peers) + " |")
    w("| --- | ---: | " + " | ".join("---:" for _ in peers) + " |")
    for key, r in res.items():
        cid, mode, c = key.split("/")
        if kind[cid] != "wxpay" or mode in OWN_TABLE:
            continue
        cells = []
        for p, pm in peers:
            t = tput(p, pm, int(c))
            cells.append(f"{r['stats']['calls_per_s']['median'] / t:.1f}×" if t else "–")
        w(f"| {label[cid]} {mode} | {c} | " + " | ".join(cells) + " |")

    w("\n## A new process's first call\n")
    if data.get("first_call"):
        w(f"A CLI script, a cron job or a serverless start: each row is {FIRST_CALL_RUNS} fresh "
          "processes of the bench client making **one** close call (configuration read, client "
          "built, keys parsed, TLS handshake with the sandbox, the call) and exiting; CPU is the "
          "process's whole user+sys (getrusage of the children), median with min–max. **empty**: "
          "the same interpreter doing nothing (`true` for C, `php -r ';'` with the same `-d` "
          "settings, `python -c pass`, `node -e 0`).\n")
        w("| client | mode | processes | CPU µs/process | empty µs/process | process − empty | ÷ floor |")
        w("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for key, r in data["first_call"].items():
            cid, mode = key.split("/")
            c, e = r["call_us"], r["empty_us"]
            net = c["median"] - e["median"]
            w(f"| {label[cid]} | {mode} | {r['runs']} | {c['median']:.0f} ({c['min']:.0f}–{c['max']:.0f}) | "
              f"{e['median']:.0f} ({e['min']:.0f}–{e['max']:.0f}) | {net:.0f} | {net / floor_us:.1f}× |")
    else:
        w("Not run.\n")

    fpm_rows = data.get("fpm") or {}
    w("\n## PHP in php-fpm, per request\n")
    if fpm_rows:
        w("One php-fpm master per row with one worker (`pm = static`), FastCGI requests over "
          "loopback, one connection per request. **call**: the request builds the instance with "
          "`Wxpay\\Builder::factory` from configuration and makes the seed's sync declarative close "
          "call (`bench/php/fpm_call.php`); **empty**: `<?php echo 'ok';` in the same pool. Worker "
          "CPU (utime + stime of /proc/PID/stat, 10 ms ticks) over N requests, median of the "
          "repeats with min–max. Extension pool: `extension=wxpay.so`, opcache on, no preload "
          "(PHP autoloads the wrapper's classes in every request, and that is counted); FFI pool: "
          "the preload recipe (`ffi.preload` of `bindings-php/ffi-header.php`'s output, "
          "`opcache.preload=bindings-php/preload.php`); extension + opcache.preload: the extension pool "
          "with that same `opcache.preload`, so the package's classes are compiled once per master "
          "(the extension row minus this one is what loading them costs each request). Many-merchants pool: the extension pool's "
          f"set-up, each request one of {fpm.FPM_MERCHANTS} merchants at random (its own mchid, "
          "serial and client; `WXPAY_CLIENT_CACHE` sized to fit), as a platform's worker serves them.\n")
        w("| pool | N | call µs/request | empty µs/request | call − empty | ÷ floor |")
        w("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, r in fpm_rows.items():
            call, empty = spread(r["call_us"]), spread(r["empty_us"])
            net = [c - e for c, e in zip(r["call_us"], r["empty_us"])]
            nets = spread(net)
            w(f"| {name} | {r['n']} | {call['median']:.0f} ({call['min']:.0f}–{call['max']:.0f}) | "
              f"{empty['median']:.0f} ({empty['min']:.0f}–{empty['max']:.0f}) | "
              f"{nets['median']:.0f} ({nets['min']:.0f}–{nets['max']:.0f}) | {nets['median'] / floor_us:.2f}× |")
    else:
        w("Not run (`--only` without `fpm`).\n")

    w("\n## Targets (issue 6)\n")
    w("| target | figure | met? |")
    w("| --- | --- | --- |")

    def target(text: str, value: float | None, goal: float, above: bool, unit: str = "×") -> None:
        if value is None:
            w(f"| {text} | not measured | – |")
            return
        ok = value >= goal if above else value <= goal
        w(f"| {text} | {value:.2f}{unit} | {'yes' if ok else '**no**'} |")

    for cid, mode, goal in (("rust", "async", 1.2), ("c", "threads", 1.2), ("python", "threads", 1.3),
                            ("python", "asyncio", 1.3), ("node", "async", 1.3), ("php", "sync", 1.3),
                            ("php", "async", 1.3)):
        for c in (1, 64):
            r = res.get(f"{cid}/{mode}/{c}")
            if r:
                target(f"CPU per call, {label[cid]} {mode} c={c} ≤ {goal} × floor",
                       r["stats"]["cpu_us"]["median"] / floor_us, goal, False)
    ratio = lambda a, b: (a / b) if a and b else None
    target("Python sync (threads) c=1 ≥ 15 × wechatpayv3 (sync, c=1)",
           ratio(tput("python", "threads", 1), tput("wechatpayv3", "threads", 1)), 15, True)
    target("Python asyncio c=64 ≥ 20 × wechatpayv3 (sync threads, c=64)",
           ratio(tput("python", "asyncio", 64), tput("wechatpayv3", "threads", 64)), 20, True)
    target("Python asyncio c=64 ≥ 20 × wechatpayv3 (its AsyncWeChatPay, c=64)",
           ratio(tput("python", "asyncio", 64), tput("wechatpayv3", "asyncio", 64)), 20, True)
    fastest_node = max((t for t in (tput("axios", "async", 64), tput("nodev3", "async", 64)) if t),
                       default=None)
    target("Node c=64 ≥ 4 × the faster Node peer (c=64)",
           ratio(tput("node", "async", 64), fastest_node), 4, True)
    rust64 = tput("rust", "async", 64)
    for cid, mode in (("c", "threads"), ("php", "async"), ("python", "threads"),
                      ("python", "asyncio"), ("node", "async")):
        target(f"{label[cid]} {mode} c=64 within 1.3 × of the Rust core's throughput (Rust ÷ it)",
               ratio(rust64, tput(cid, mode, 64)), 1.3, False)

    w("\n## Targets (issue 12)\n")
    w("| target | figure | met? |")
    w("| --- | --- | --- |")
    for name, r in fpm_rows.items():
        net = statistics.median(c - e for c, e in zip(r["call_us"], r["empty_us"]))
        target(f"php-fpm, {name}, per request (fresh Builder::factory + seed call) − empty request ≤ 1.3 × floor",
               net / floor_us, 1.3, False)
    for cid, mode in (("phpext", "sync"), ("php", "sync"), ("c", "threads"), ("python", "threads")):
        r = res.get(f"{cid}/{mode}/1")
        if r:
            target(f"CPU per call, {label[cid]} {mode} c=1 ≤ 1.25 × floor",
                   r["stats"]["cpu_us"]["median"] / floor_us, 1.25, False)
    shared = [row for row in data.get("criterion") or [] if row["group"] == "client_build"
              and "ForkSafeClient::shared" in row["name"]]
    target("Building a client whose configuration was already built in the process ≤ 20 µs",
           shared[0]["median_ns"] / 1000 if shared else None, 20, False, " µs")

    w("\n## Targets (issue 27 §1)\n")
    w("| target | figure | met? |")
    w("| --- | --- | --- |")
    cpu_of = lambda cid, mode, c: (res[f"{cid}/{mode}/{c}"]["stats"]["cpu_us"]["median"]
                                   if f"{cid}/{mode}/{c}" in res else None)
    per_floor = lambda cid, mode, c: ratio(cpu_of(cid, mode, c), floor_us)
    goals = [(cid, mode, 1, 1.25) for cid, mode in (("c", "threads"), ("phpext", "sync"),
                                                       ("php", "sync"), ("python", "threads"))]
    goals += [(cid, mode, 1, 1.4) for cid, mode in (("python", "asyncio"), ("node", "async"),
                                                      ("php", "async"), ("phpext", "async"))]
    goals += [("rust", "async", 1, 1.3), ("rust", "async", 64, 1.1)]
    goals += [(cid, mode, 64, 1.2) for cid, mode in (("c", "threads"), ("php", "async"), ("phpext", "async"),
                                                       ("python", "threads"), ("python", "asyncio"),
                                                       ("node", "async"))]
    goals += [(cid, DECLARATIVE, 1, 1.3) for cid in ("phpext", "php")]
    for cid, mode, c, goal in goals:
        target(f"CPU per call, {label[cid]} {mode} c={c} ≤ {goal} × floor", per_floor(cid, mode, c), goal, False)
    for cid in ("phpext", "php"):
        target(f"CPU per call, {label[cid]} {DECLARATIVE} c=1 ≤ 0.6 × {label['wechatpayphp']}'s "
               f"(its own ÷ floor: {(per_floor('wechatpayphp', DECLARATIVE, 1) or float('nan')):.2f}×)",
               ratio(cpu_of(cid, DECLARATIVE, 1), cpu_of("wechatpayphp", DECLARATIVE, 1)), 0.6, False)
    for name, r in fpm_rows.items():
        net = statistics.median(c - e for c, e in zip(r["call_us"], r["empty_us"]))
        target(f"php-fpm, {name}: fresh Builder::factory + seed call − empty request ≤ 1.3 × floor",
               net / floor_us, 1.3, False)

    w("\n## Targets (issue 27 §2)\n")
    w("| target | figure | met? |")
    w("| --- | --- | --- |")
    many, one = res.get(f"rust/{MERCHANTS_MODE}/64"), res.get("rust/async/64")
    target(f"{MERCHANTS:,} merchants round robin at c=64: CPU per call ≤ 1.1 × one merchant's",
           (many["stats"]["cpu_us"]["median"] / one["stats"]["cpu_us"]["median"]) if many and one else None, 1.1, False)
    target("Memory per merchant ≤ 32 KiB (client, parsed key, cache entry)",
           many["stats"]["merchant_kib"]["median"] if many else None, 32, False, " KiB")

    w("\n## Long run: memory\n")
    if data["long"]:
        w("Each binding at concurrency 64, latencies not recorded. When 1,000 measured calls are "
          "done (after a warm-up) the client records its RSS and resets the kernel's peak-RSS "
          "counter (`/proc/self/clear_refs`); at the end it reads the peak since then (`VmHWM`). "
          "The series is the RSS at 1,000 calls and then every tenth of the run.\n")
        w("| binding | calls | calls/s | RSS after 1,000 calls | peak RSS after that | peak ÷ RSS at 1,000 | within 10 %? | RSS at 1,000, 10 %, 20 %, … 100 % (MiB) |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
        for key, out in data["long"].items():
            cid, mode = key.split("/")
            at, peak = out["rss_at_kb"], out.get("peak_after_kb") or out["maxrss_kb"]
            ratio_v = peak / at if at else float("nan")
            series = " ".join(f"{kb / 1024:.1f}" for _done, kb in out.get("rss_series_kb", []))
            w(f"| {label[cid]} {mode} | {out['n']:,} | {out['n'] / out['wall_s']:.0f} | "
              f"{at / 1024:.1f} MiB | {peak / 1024:.1f} MiB | {ratio_v:.3f} | "
              f"{'yes' if ratio_v <= 1.10 else '**no**'} | {series} |")
    else:
        w("Not run (smoke run).\n")

    w("\n## Micro-benchmarks (criterion, `cargo bench -p wxpay --bench micro`)\n")
    if data["criterion"]:
        w("Median time per operation with its 95 % confidence interval; each group has the bare "
          "AWS-LC operation as its baseline.\n")
        w("| group | benchmark | median | 95 % CI | ÷ baseline |")
        w("| --- | --- | ---: | --- | ---: |")
        base = {}
        for row in data["criterion"]:
            if "baseline" in row["name"]:
                base[row["group"]] = row["median_ns"]
        for row in data["criterion"]:
            b = base.get(row["group"]) or base.get("sign")
            rel = f"{row['median_ns'] / b:.3f}" if b and row["group"] != "uri" else "–"
            w(f"| {row['group']} | {row['name']} | {fmt_time_ns(row['median_ns'])} | "
              f"{fmt_time_ns(row['lo_ns'])} – {fmt_time_ns(row['hi_ns'])} | {rel} |")
    else:
        w("Not run (smoke run).\n")
    notes = BENCH / "ANALYSIS.md"  # written by hand about the committed run; not for smoke runs
    if not data["smoke"] and notes.exists():
        w("\n## Analysis\n")
        w(notes.read_text())
    path.write_text("\n".join(L) + "\n")


# ---------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true",
                    help="tiny N, one repeat, debug builds, no long run / criterion; output to a temp dir")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every N (full run)")
    ap.add_argument("--long-calls", type=int, default=100_000)
    ap.add_argument("--only", default="", help="comma-separated client ids (rust,c,php,phpext,python,node,wechatpayv3,axios,nodev3,wechatpayphp) and fpm")
    ap.add_argument("--out", default="", help="report path (default BENCHMARKS.md; smoke: a temp file)")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite BENCHMARKS.md from bench/results/last-run.json (and bench/ANALYSIS.md)")
    args = ap.parse_args()

    if args.report_only:
        data = json.loads((BENCH / "results" / "last-run.json").read_text())
        report = Path(args.out) if args.out else ROOT / "BENCHMARKS.md"
        write_report(report, data)
        log(f"wrote {report}")
        return

    smoke = args.smoke
    repeats = 1 if smoke else args.repeats
    only = set(filter(None, args.only.split(",")))
    build = Build("debug" if smoke else "release")
    build.all()

    floor_before = openssl_speed(1 if smoke else 5)
    log(f"floor: sign {floor_before['sign_us']:.0f} µs, verify {floor_before['verify_us']:.1f} µs")

    sandbox = Sandbox(build)
    results: dict[str, dict] = {}
    long: dict[str, dict] = {}
    try:
        plan = []
        for cid, _label, _kind, modes in CLIENTS:
            if only and cid not in only:
                continue
            for mode, concs, ns in modes:
                for c, n in zip(concs, ns):
                    if smoke:
                        c, n = min(c, 4), 12
                    else:
                        n = max(10, int(n * args.scale))
                    plan.append((cid, mode, c, n))
        raw: dict[str, list[dict]] = {f"{cid}/{mode}/{c}": [] for cid, mode, c, _ in plan}
        for rep in range(repeats):
            for cid, mode, c, n in plan:
                log(f"run {rep + 1}/{repeats}: {cid} {mode} c={c} N={n}")
                out = run_client(build, sandbox, cid, mode, c, n, warmup=4 if smoke else max(50, c * 4))
                raw[f"{cid}/{mode}/{c}"].append(summarise(out))
        for (cid, mode, c, n) in plan:
            key = f"{cid}/{mode}/{c}"
            runs = raw[key]
            results[key] = {"n": n, "stats": {k: spread([r[k] for r in runs]) for k in runs[0]}}
        for cid, mode in LONG:
            if only and cid not in only:
                continue
            n = 60 if smoke else args.long_calls
            c = 4 if smoke else 64
            log(f"long run: {cid} {mode} c={c} N={n}")
            out = run_client(build, sandbox, cid, mode, c, n, warmup=4 if smoke else 200,
                             extra={"BENCH_LATENCIES": "0", "BENCH_RSS_AT": str(min(1000, n // 2))})
            out.pop("lat_us", None)
            long[f"{cid}/{mode}"] = out
        firsts: dict[str, dict] = {}
        for cid, mode in FIRST_CALL:
            if only and cid not in only:
                continue
            runs = 3 if smoke else FIRST_CALL_RUNS
            log(f"first call in a new process: {cid} {mode}, {runs} processes")
            firsts[f"{cid}/{mode}"] = first_call(build, sandbox, cid, mode, runs)
        fpm_rows: dict = {}
        if not only or "fpm" in only:
            n = 12 if smoke else max(100, int(2000 * args.scale))
            log(f"php-fpm: extension (without and with opcache.preload), FFI + preload and {fpm.FPM_MERCHANTS}-merchant pools, {n} requests per row, {repeats} repeat(s)")
            fpm_rows = fpm.measure(build.ext_so, build.target / "libwxpay.so", sandbox.config, n,
                                   repeats, warmup=4 if smoke else 50)
    finally:
        sandbox.stop()

    floor_after = openssl_speed(1 if smoke else 5)
    floor = {"before": floor_before, "after": floor_after,
             "sign_us": (floor_before["sign_us"] + floor_after["sign_us"]) / 2,
             "verify_us": (floor_before["verify_us"] + floor_after["verify_us"]) / 2}
    data = {
        "smoke": smoke, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "repeats": repeats, "floor": floor, "results": results, "long": long,
        "fpm": fpm_rows, "first_call": firsts, "criterion": criterion(smoke),
    }
    if smoke:
        out_dir = Path(tempfile.mkdtemp(prefix="wxpay-bench-smoke-"))
        report = Path(args.out) if args.out else out_dir / "BENCHMARKS.md"
        raw_path = out_dir / "last-run.json"
    else:
        report = Path(args.out) if args.out else ROOT / "BENCHMARKS.md"
        raw_path = BENCH / "results" / "last-run.json"
        raw_path.parent.mkdir(parents=True, exist_ok=True)
    raw_path.write_text(json.dumps(data, indent=1) + "\n")
    write_report(report, data)
    log(f"wrote {report} and {raw_path}")
    if smoke:
        check_smoke(report, data)


def check_smoke(report: Path, data: dict) -> None:
    """The smoke run proves the harness works: every client ran, every figure is present."""
    expected = {f"{cid}/{mode}/{min(c, 4)}" for cid, _l, _k, modes in CLIENTS
                for mode, concs, _n in modes for c in concs}
    missing = expected - set(data["results"])
    if missing:
        sys.exit(f"bench smoke: no result for {sorted(missing)}")
    for key, r in data["results"].items():
        s = r["stats"]
        if not (s["calls_per_s"]["median"] > 0 and s["cpu_us"]["median"] > 0 and s["rss_mib"]["median"] > 0
                and s["p99_ms"]["median"] >= s["p50_ms"]["median"] > 0
                and s["ctxsw_per_call"]["median"] >= 0):
            sys.exit(f"bench smoke: implausible figures for {key}: {s}")
    for key, r in data["results"].items():
        if key.split("/")[1] == MERCHANTS_MODE and not (r["stats"]["merchant_kib"]["median"] > 0
                                                        and r["stats"]["connections"]["median"] >= 1):
            sys.exit(f"bench smoke: {key} did not report memory per merchant and connections: {r['stats']}")
    for key, out in data["long"].items():
        if not (out["rss_at_kb"] > 0 and out["peak_after_kb"] >= out["rss_at_kb"] * 0.5
                and len(out["rss_series_kb"]) >= 10):
            sys.exit(f"bench smoke: long run {key} did not report its RSS: {out}")
    text = report.read_text()
    if {f"{cid}/{mode}" for cid, mode in FIRST_CALL} != set(data.get("first_call", {})) or not all(
            r["call_us"]["median"] > 0 for r in data["first_call"].values()):
        sys.exit(f"bench smoke: first-call rows missing or empty: {data.get('first_call')}")
    if set(data["fpm"]) != {"extension", fpm.EXT_PRELOAD, "FFI + preload", f"extension, {fpm.FPM_MERCHANTS} merchants"}:
        sys.exit(f"bench smoke: php-fpm rows missing: {sorted(data['fpm'])}")
    for heading in ("## The floor", "## Close calls", "## The payment day", "## Many merchants", "## Ratios", "## A new process's first call", "## PHP in php-fpm", "## Targets",
                    "## Targets (issue 27 §1)",
                    "## Long run"):
        if heading not in text:
            sys.exit(f"bench smoke: {report} lacks {heading!r}")
    print(f"bench smoke: {len(data['results'])} client configurations and {len(data['long'])} long runs "
          f"measured; report {report}")


if __name__ == "__main__":
    main()
