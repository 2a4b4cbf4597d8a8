"""php-fpm rows of the benchmark (issue 12): worker CPU per request, as PHP runs in production.

Each pool is a real php-fpm master with one worker (`pm = static`), on a loopback port; requests
are FastCGI (a minimal client below, one connection per request as a web server makes them).
A "call" request builds the instance with `Wxpay\\Builder::factory` from configuration **in
that request** and makes the seed's sync declarative close call (bench/php/fpm_call.php); an
"empty" request is `<?php echo 'ok';` (bench/php/fpm_empty.php) in the same pool. The worker's
CPU is read from /proc/PID/stat (utime + stime, clock ticks) before and after N requests.
Standard library only.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHP_DIR = ROOT / "bench" / "php"

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR = 1, 3, 4, 5, 6, 7


def fpm_binary() -> str | None:
    for name in ("php-fpm8.2", "php-fpm"):
        found = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
        if found:
            return found
    return None


def _record(kind: int, content: bytes, request_id: int = 1) -> bytes:
    return struct.pack(">BBHHBx", 1, kind, request_id, len(content), 0) + content


def _pair(name: str, value: str) -> bytes:
    out = b""
    for item in (name.encode(), value.encode()):
        n = len(item)
        out += bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return out + name.encode() + value.encode()


def fastcgi_get(port: int, script: Path, query: str = "") -> bytes:
    """One FastCGI GET of `script`; the response body (headers stripped)."""
    params = b"".join(_pair(k, v) for k, v in {
        "SCRIPT_FILENAME": str(script), "SCRIPT_NAME": "/" + script.name, "REQUEST_METHOD": "GET",
        "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1",
        "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
    }.items())
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(_record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", 1, 0))
                  + _record(FCGI_PARAMS, params) + _record(FCGI_PARAMS, b"")
                  + _record(FCGI_STDIN, b""))
        buf, out = b"", b""
        while True:
            while len(buf) < 8 or len(buf) < 8 + struct.unpack(">H", buf[4:6])[0] + buf[6]:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError("php-fpm closed the connection mid-response")
                buf += chunk
            _v, kind, _id, length, padding = struct.unpack(">BBHHB", buf[:7])
            content, buf = buf[8:8 + length], buf[8 + length + padding:]
            if kind == FCGI_STDOUT:
                out += content
            elif kind == FCGI_END_REQUEST:
                break
    head, _, body = out.partition(b"\r\n\r\n")
    return body


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class Pool:
    """One php-fpm master with one worker; `settings` are php -d flags."""

    def __init__(self, name: str, work: Path, settings: list[str], env: dict) -> None:
        self.name, self.port = name, _free_port()
        conf = work / f"fpm-{name}.conf"
        conf.write_text(f"""[global]
pid = {work}/fpm-{name}.pid
error_log = {work}/fpm-{name}.log
daemonize = no
[bench]
listen = 127.0.0.1:{self.port}
pm = static
pm.max_children = 1
pm.max_requests = 0
clear_env = no
catch_workers_output = yes
""")
        fpm = fpm_binary()
        if not fpm:
            raise RuntimeError("php-fpm is not installed (apt-get install php-fpm)")
        args = [fpm, "-R", "-y", str(conf)]
        for s in settings:
            args += ["-d", s]
        self.proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    log = (work / f"fpm-{name}.log")
                    raise RuntimeError(f"php-fpm ({name}) did not start: "
                                       f"{log.read_text() if log.exists() else ''}")
                time.sleep(0.1)
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        if len(children) != 1:
            raise RuntimeError(f"php-fpm ({name}): expected one worker, found {children}")
        self.worker = int(children[0])

    def cpu_per_request_us(self, script: Path, n: int, warmup: int, expect: bytes) -> float:
        """The worker's CPU per request over `n` requests of `script` (after `warmup`)."""
        for _ in range(warmup):
            body = fastcgi_get(self.port, script)
            if not body.startswith(expect):
                raise RuntimeError(f"php-fpm ({self.name}) {script.name}: {body[:500]!r}")
        t0 = _ticks(self.worker)
        for _ in range(n):
            body = fastcgi_get(self.port, script)
            if not body.startswith(expect):
                raise RuntimeError(f"php-fpm ({self.name}) {script.name}: {body[:500]!r}")
        return (_ticks(self.worker) - t0) / os.sysconf("SC_CLK_TCK") / n * 1e6

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# The many-merchants pool (issue 27 §2): each request picks one of this many merchants at random
# (bench/php/fpm_call.php; the bench sandbox knows them), the worker's client cache sized to fit.
FPM_MERCHANTS = 100
EXT_PRELOAD = "extension + opcache.preload"


def pools(ext_so: Path, lib: Path, work: Path) -> list[tuple[str, list[str], dict]]:
    """(name, php -d settings, pool environment) of the production set-ups."""
    header = work / "wxpay-ffi.h"
    header.write_text(subprocess.run(["php", str(ROOT / "bindings-php" / "ffi-header.php"), str(lib)],
                                     check=True, capture_output=True, text=True).stdout)
    ext = [f"extension={ext_so}", "opcache.enable=1"]
    preload = [f"opcache.preload={ROOT / 'bindings-php' / 'preload.php'}", "opcache.preload_user=root"]
    return [
        ("extension", ext, {}),
        # The same pool with the package's classes compiled once per master (opcache.preload):
        # "extension" − this row is what loading the classes costs each request, the most that
        # defining them in the extension itself could save.
        (EXT_PRELOAD, ext + preload, {}),
        ("FFI + preload", ["ffi.enable=preload", f"ffi.preload={header}", "opcache.enable=1", *preload], {}),
        (f"extension, {FPM_MERCHANTS} merchants", ext,
         {"BENCH_MERCHANTS": str(FPM_MERCHANTS), "WXPAY_CLIENT_CACHE": str(FPM_MERCHANTS + 28)}),
    ]


def measure(ext_so: Path, lib: Path, config: Path, n: int, repeats: int, warmup: int) -> dict:
    """{pool: {"call_us": [...], "empty_us": [...]}} over `repeats` alternating runs."""
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"wxpay-bench-fpm-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, dict] = {}
    try:
        for i, (name, settings, env) in enumerate(pools(ext_so, lib, work)):
            pool = Pool(f"pool{i}", work, settings, {"BENCH_CONFIG": str(config), **env})
            try:
                driver = b"ext" if name.startswith("extension") else b"ffi"
                runs = {"call_us": [], "empty_us": []}
                for _ in range(repeats):
                    runs["call_us"].append(pool.cpu_per_request_us(
                        PHP_DIR / "fpm_call.php", n, warmup, b"204 " + driver))
                    runs["empty_us"].append(pool.cpu_per_request_us(
                        PHP_DIR / "fpm_empty.php", n, warmup, b"ok"))
                out[name] = {"n": n, **runs}
            finally:
                pool.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
