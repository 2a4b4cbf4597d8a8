"""Fixtures: the sandbox over TLS (the real wxpay-sandbox binary) and clients that reach it at
WeChat Pay's real host names through ``resolve`` + ``ca_certs``."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

import wxpay

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
VECTORS = ROOT / "tests" / "vectors"


def _cli_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = target / "debug" / "wxpay"
    if not path.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "wxpay-cli"], cwd=ROOT, check=True)
    return path


# The shipped helper (wxpay.testing, its pytest fixtures) runs `wxpay sandbox`: this checkout's.
os.environ.setdefault("WXPAY_CLI", str(_cli_binary()))


def _sandbox_binary() -> Path:
    explicit = os.environ.get("WXPAY_SANDBOX")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = target / "debug" / "wxpay-sandbox"
    if not path.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "wxpay-sandbox"], cwd=ROOT, check=True)
    return path


class Sandbox:
    def __init__(self, info: Dict[str, Any], config_path: Path) -> None:
        self.info = info
        self.config_path = config_path
        self.config: Dict[str, Any] = json.loads(config_path.read_text())

    def client_kwargs(self, **overrides: Any) -> Dict[str, Any]:
        c = self.config
        kwargs: Dict[str, Any] = dict(
            mchid=c["mchid"],
            serial=c["serial"],
            private_key=c["private_key"],
            certs=c["certs"],
            ca_certs=c["ca_certs"],
            resolve=c["resolve"],
            retries=0,
            apiv3_key=c["apiv3_key"],
        )
        kwargs.update(overrides)
        return kwargs

    def client(self, **overrides: Any) -> wxpay.Client:
        return wxpay.Client(**self.client_kwargs(**overrides))


def _start(strict: bool, extra: Optional[list[str]] = None) -> Iterator[Sandbox]:
    with tempfile.TemporaryDirectory(prefix="wxpay-py-") as tmp:
        args = [str(_sandbox_binary()), "--tls", "--state-dir", tmp, "--client-config", f"{tmp}/c.json"]
        if strict:
            args.append("--strict")
        args.extend(extra or [])
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("wxpay-sandbox exited without printing its start-up line")
            yield Sandbox(json.loads(line), Path(tmp) / "c.json")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    yield from _start(strict=False)


@pytest.fixture(scope="session")
def strict_sandbox() -> Iterator[Sandbox]:
    yield from _start(strict=True)


@pytest.fixture()
def client(sandbox: Sandbox) -> wxpay.Client:
    return sandbox.client()


def control(client: wxpay.Client, method: str, path: str, body: Optional[Any] = None) -> Any:
    """Drive the sandbox's control API through wxpay itself (its answers are signed)."""
    options: Dict[str, Any] = {"base_uri": "https://api.mch.weixin.qq.com/_sandbox/"}
    if body is not None:
        options["json"] = body
    return client.request(method, path, options).json()
