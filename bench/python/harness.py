"""Shared measuring loop of the Python bench clients (bench/README.md describes the protocol).

A client module supplies a blocking ``call()`` (run from BENCH_C threads) or an ``async
acall()`` (run by BENCH_C asyncio tasks); each must raise unless the close call answered 204.
The harness warms up, measures BENCH_N calls, and prints one JSON line: wall time, the process's
user and system CPU over the measured calls (getrusage, all threads), peak and current RSS, and
each call's latency in microseconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import threading
import time
from array import array
from typing import Awaitable, Callable, Optional


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit():
        sys.exit(f"bench: {name}={value!r} is not a whole number")
    return int(value)


def rss_now_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def reset_peak_rss() -> None:
    """Reset the peak-RSS counter (Linux), so that VmHWM read at the end covers only what follows."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class _Run:
    def __init__(self, n: int, rss_at: int, record: bool) -> None:
        self.n = n
        self.rss_at = rss_at
        # Preallocated and touched, so recording latencies does not grow the RSS being measured.
        self.lat = array("I", bytes(4 * n)) if record else None
        self.next = iter(range(n))  # next() on a range iterator is atomic under the GIL
        self.done = 0
        self.rss_at_kb = 0
        self.series: list[tuple[int, int]] = []
        self.lock = threading.Lock()

    def finished(self, i: int, t0: float) -> None:
        if self.lat is not None:
            self.lat[i] = int((time.perf_counter() - t0) * 1e6)
        with self.lock:
            self.done += 1
            if self.done == self.rss_at:
                reset_peak_rss()
                self.rss_at_kb = rss_now_kb()
            if self.rss_at and (self.done == self.rss_at or self.done % max(1, self.n // 10) == 0):
                self.series.append((self.done, rss_now_kb()))


def _threads(call: Callable[[], None], run: _Run, c: int) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for i in run.next:
                t0 = time.perf_counter()
                call()
                run.finished(i, t0)
        except BaseException as e:  # reported after join
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


async def _tasks(acall: Callable[[], Awaitable[None]], run: _Run, c: int) -> None:
    async def worker() -> None:
        for i in run.next:
            t0 = time.perf_counter()
            await acall()
            run.finished(i, t0)

    await asyncio.gather(*(worker() for _ in range(c)))


def main(
    call: Optional[Callable[[], None]] = None,
    acall: Optional[Callable[[], Awaitable[None]]] = None,
    setup: Optional[Callable[[], Awaitable[None]]] = None,
) -> None:
    """Run the benchmark with BENCH_MODE=threads (``call``) or asyncio (``acall``; ``setup`` runs
    first inside the event loop, for clients that must be created there)."""
    mode = os.environ.get("BENCH_MODE", "threads")
    n = env_int("BENCH_N", 1000)
    c = max(1, env_int("BENCH_C", 1))
    warmup = env_int("BENCH_WARMUP", 100)
    run = _Run(n, env_int("BENCH_RSS_AT", 0), env_int("BENCH_LATENCIES", 1) != 0)

    if mode == "threads":
        if call is None:
            sys.exit("bench: this client has no threads mode")
        _threads(call, _Run(warmup, 0, False), c)
        start = _start()
        _threads(call, run, c)
        result = _result(run, c, start)
    elif mode == "asyncio":
        if acall is None:
            sys.exit("bench: this client has no asyncio mode")

        async def go() -> dict:
            if setup is not None:
                await setup()
            await _tasks(acall, _Run(warmup, 0, False), c)
            start = _start()
            await _tasks(acall, run, c)
            return _result(run, c, start)

        result = asyncio.run(go())
    else:
        sys.exit("bench: BENCH_MODE must be threads or asyncio")
    print(json.dumps(result))


def _start() -> tuple:
    return resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()


def _result(run: _Run, c: int, start: tuple) -> dict:
    wall = time.perf_counter() - start[1]
    u0, u1 = start[0], resource.getrusage(resource.RUSAGE_SELF)
    return {
        "n": run.n, "c": c, "wall_s": wall,
        "cpu_user_s": u1.ru_utime - u0.ru_utime, "cpu_sys_s": u1.ru_stime - u0.ru_stime,
        "ctxsw": (u1.ru_nvcsw - u0.ru_nvcsw) + (u1.ru_nivcsw - u0.ru_nivcsw),
        "maxrss_kb": u1.ru_maxrss, "rss_at_kb": run.rss_at_kb, "rss_end_kb": rss_now_kb(),
        "peak_after_kb": peak_rss_kb() if run.rss_at else 0, "rss_series_kb": run.series,
        "lat_us": list(run.lat) if run.lat is not None else [],
    }
