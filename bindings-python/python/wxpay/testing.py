"""Test a checkout without a merchant account: a local WeChat Pay (``wxpay sandbox``) that plays
the whole payment day — create, pay, notifications, query, close, refund — with test keys.

.. code-block:: python

    from wxpay.testing import Sandbox

    with Sandbox.start() as sandbox:
        client = sandbox.client()                 # a Client configured for the sandbox
        order = client.create_native(out_trade_no="T-1", description="Tea", amount=100,
                                     appid="wxd678efh567hg6787", notify_url=my_handler_url)
        sandbox.pay("T-1")                        # the payer pays; TRANSACTION.SUCCESS is sent
        assert client.query_out_trade_no("T-1").trade_state == "SUCCESS"

With pytest the ``wxpay_sandbox`` (one per session) and ``wxpay_client`` fixtures do the same
(registered by the ``wxpay`` pytest plugin, installed with the package).

The sandbox is the ``wxpay`` command line, found as: the ``cli`` argument, ``WXPAY_CLI``, the
``wxpay-cli`` wheel in this environment (``pip install wxpay-cli``), ``wxpay`` on ``PATH``.
TEST ONLY: its keys are public test fixtures; notifications reach ``http://127.0.0.1`` handlers
only.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
import weakref
from typing import Any, Dict, List, Mapping, Optional

from ._client import Client

__all__ = ["Sandbox", "SandboxError"]


class SandboxError(Exception):
    """The sandbox could not start, or its control API refused what was asked (``status`` and
    ``body`` say why)."""

    def __init__(self, message: str, *, status: Optional[int] = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def _terminate(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout:
        process.stdout.close()


def _find_cli(cli: Optional[str]) -> str:
    found = cli or os.environ.get("WXPAY_CLI")
    if found:
        return found
    # The wxpay-cli wheel in this environment (also when its bin folder is not on PATH).
    try:
        import wxpay_cli  # type: ignore[import-not-found, unused-ignore]

        return str(wxpay_cli.binary_path())
    except (ImportError, FileNotFoundError):
        pass
    found = shutil.which("wxpay")
    if not found:
        raise SandboxError(
            "the `wxpay` command (which runs the sandbox) was not found: `pip install wxpay-cli` "
            "puts it in this environment, or put the wxpay CLI on PATH, or set "
            "WXPAY_CLI=/path/to/wxpay (in a source checkout: `cargo build -p wxpay-cli`, then "
            "WXPAY_CLI=target/debug/wxpay)"
        )
    return found


class Sandbox:
    """A running ``wxpay sandbox``. Start it with :meth:`start` (or the pytest fixture); stop it
    with :meth:`stop` or a ``with`` block."""

    def __init__(self, process: "subprocess.Popen[bytes]", info: Mapping[str, Any]) -> None:
        self._process = process
        self.info: Dict[str, Any] = dict(info)
        #: the sandbox's own address (``https://127.0.0.1:PORT/``)
        self.url: str = info["url"]
        #: the control API (``…/_sandbox/``)
        self.control_url: str = info["control"]
        #: the CA that signed the sandbox's certificate (PEM file), or None over plain HTTP
        self.ca_cert: Optional[str] = info.get("ca_cert")
        #: a client configuration file for the test merchant (``Client.from_config(…)``)
        self.client_config: str = info["client_config"]
        #: the test merchant's mchid
        self.mchid: str = info["mchid"]
        self._ssl = ssl.create_default_context(cafile=self.ca_cert) if self.ca_cert else None
        # A sandbox nobody stopped goes with its object, or with the interpreter at exit.
        self._finalizer = weakref.finalize(self, _terminate, process)

    @classmethod
    def start(
        cls,
        *,
        fast_notifications: bool = True,
        refund_settle_ms: Optional[int] = None,
        strict: bool = True,
        tls: bool = True,
        state_dir: Optional[str] = None,
        state_file: Optional[str] = None,
        min_close_age_s: Optional[int] = None,
        cli: Optional[str] = None,
        timeout: float = 30.0,
    ) -> "Sandbox":
        """Start ``wxpay sandbox`` on a free loopback port and wait until it serves.

        ``fast_notifications``: redeliveries after a failing handler come milliseconds apart
        instead of WeChat Pay's seconds and minutes. ``refund_settle_ms``: how long a refund
        stays ``PROCESSING`` (default 100). ``strict``: unknown orders are ``ORDER_NOT_EXIST``.
        ``state_dir``: keep its files (CA, keys, ``client.json``) there instead of a temporary
        folder. ``state_file``: keep orders and refunds in this JSON file, so they survive a
        restart (default: in memory). ``min_close_age_s=300``: HK and Global refuse to close an
        order younger than that, as WeChat Pay does."""
        args = [_find_cli(cli), "sandbox"]
        if fast_notifications:
            args.append("--fast-notifications")
        if refund_settle_ms is not None:
            args += ["--refund-settle-ms", str(int(refund_settle_ms))]
        if not strict:
            args.append("--lenient")
        if not tls:
            args.append("--plain")
        if state_dir is not None:
            args += ["--state-dir", os.fspath(state_dir)]
        if state_file is not None:
            args += ["--state-file", os.fspath(state_file)]
        if min_close_age_s is not None:
            args += ["--min-close-age-s", str(int(min_close_age_s))]
        try:
            process = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as e:
            raise SandboxError(f"cannot run {args[0]!r}: {e}") from e
        line: List[bytes] = []
        reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not line or not line[0]:
            process.kill()
            _, err = process.communicate()
            raise SandboxError(
                f"`{' '.join(args)}` did not start within {timeout:g} s: "
                + (err.decode("utf-8", "replace").strip() or f"exit status {process.returncode}")
            )
        # The guide on stderr is for people; drain it so the sandbox never blocks on a full pipe.
        threading.Thread(target=process.stderr.read, daemon=True).start()  # type: ignore[union-attr]
        return cls(process, json.loads(line[0]))

    # --- the merchant's side ---------------------------------------------------------------

    def client(self, **config: Any) -> Client:
        """A :class:`wxpay.Client` for the test merchant, reaching the sandbox at WeChat Pay's
        real host names. Keyword arguments override configuration keys (``retries=0``,
        ``timeout_ms=2000``…)."""
        with open(self.client_config, encoding="utf-8") as f:
            base = json.load(f)
        base.update(config)
        return Client.from_config(base)

    # --- the payer's side (the control API) ------------------------------------------------

    def pay(
        self,
        out_trade_no: Optional[str] = None,
        *,
        prepay_id: Optional[str] = None,
        mchid: Optional[str] = None,
        fail: bool = False,
    ) -> Dict[str, Any]:
        """The payer pays the order (by ``out_trade_no`` or ``prepay_id``): it becomes
        ``SUCCESS`` with a ``transaction_id``, and a signed ``TRANSACTION.SUCCESS`` goes to its
        ``notify_url``. ``fail=True`` makes a code-pay order waiting in ``USERPAYING`` fail.
        Returns the order as the sandbox keeps it; raises :class:`SandboxError` for a closed,
        reversed, paid or unknown order."""
        if (out_trade_no is None) == (prepay_id is None):
            raise SandboxError("pay() takes out_trade_no or prepay_id (one of them)")
        body: Dict[str, Any] = {"out_trade_no": out_trade_no} if out_trade_no else {"prepay_id": prepay_id}
        if mchid is not None:
            body["mchid"] = mchid
        if fail:
            body["fail"] = True
        order: Dict[str, Any] = self._control("POST", "pay", body)
        return order

    async def pay_async(self, out_trade_no: Optional[str] = None, **kwargs: Any) -> Dict[str, Any]:
        """:meth:`pay` without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(
            None, lambda: self.pay(out_trade_no, **kwargs)
        )

    def deliveries(self) -> List[Dict[str, Any]]:
        """Each notification sent in the background so far: ``{id, event, about, url,
        delivered, deliveries: [{status, body}…]}``."""
        return list(self._control("GET", "deliveries"))

    def requests(self) -> List[Dict[str, Any]]:
        """Every API request the sandbox received (method, target, headers, body, status)."""
        return list(self._control("GET", "requests"))

    def reset(self) -> None:
        """Forget every order, refund, fault and logged request."""
        self._control("POST", "reset", {})

    def _control(self, method: str, path: str, body: Optional[Mapping[str, Any]] = None) -> Any:
        # `localhost`: the sandbox's certificate covers it.
        url = (self.control_url + path).replace("//127.0.0.1:", "//localhost:", 1)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self._ssl, timeout=30) as r:
                text = r.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                detail: Any = json.loads(raw)
            except ValueError:
                detail = raw.decode("utf-8", "replace")
            said = detail.get("message", detail) if isinstance(detail, dict) else detail
            raise SandboxError(f"sandbox {method} /_sandbox/{path}: {said} (HTTP {e.code})", status=e.code, body=detail) from None
        except OSError as e:
            raise SandboxError(f"sandbox {method} /_sandbox/{path}: {e}") from e
        return json.loads(text) if text else None

    # --- lifetime --------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the sandbox (its temporary folder goes with it). Safe to call twice."""
        self._finalizer()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<wxpay.testing.Sandbox {self.url} (TEST ONLY)>"
