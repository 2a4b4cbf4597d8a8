"""The shared fault matrix (tests/reliability/faults.json), run through the Python package."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Dict

import pytest

import wxpay
from conftest import ROOT, Sandbox, control

SPEC = json.loads((ROOT / "tests" / "reliability" / "faults.json").read_text())


def variant(sandbox: Sandbox, kind: str, host: "str | None", timeout_ms: int) -> wxpay.Client:
    kwargs: Dict[str, Any] = sandbox.client_kwargs(timeout=timeout_ms / 1000, retries=SPEC["retries"])
    resolve = dict(kwargs["resolve"])
    if host:
        resolve[host] = sandbox.info["addr"]
    if kind == "dead_port":
        resolve["api.mch.weixin.qq.com"] = "127.0.0.1:9"
    kwargs["resolve"] = resolve
    if kind == "no_ca":
        del kwargs["ca_certs"]
    return wxpay.Client(**kwargs)


# A case with `repeat` runs that many times (the hostile servers: 20 of 20 must end on time).
RUNS = [(c, run) for c in SPEC["cases"] for run in range(c.get("repeat", 1))]


@pytest.mark.parametrize(
    "case,run", RUNS, ids=[f"{c['name']}-{run + 1}" if c.get("repeat") else c["name"] for c, run in RUNS]
)
def test_fault_matrix(sandbox: Sandbox, case: Dict[str, Any], run: int) -> None:
    name, expect, kind = case["name"], case["expect"], case["client"]
    normal = sandbox.client()
    control(normal, "POST", "reset")
    if case["fault"]:
        control(normal, "POST", "faults", {**case["fault"], "path": "/close"})
    host = case.get("host")
    client = variant(sandbox, kind, host, case.get("timeout_ms", SPEC["timeout_ms"]))
    base_uri = f"https://{host}/hk/" if host else None
    started = time.monotonic()
    try:
        client.close_transaction(f"fault-{name}", base_uri=base_uri)
        error = None
    except wxpay.WxpayError as e:
        error = e
    elapsed_ms = (time.monotonic() - started) * 1000
    assert elapsed_ms <= case["max_ms"], f"took {elapsed_ms:.0f} ms"
    if expect["code"] is None:
        assert error is None, repr(error)
    else:
        assert error is not None and error.kind == expect["code"], repr(error)
        assert error.may_have_been_sent == expect["may_have_been_sent"]
        assert error.status_code == expect["status"]
        assert getattr(error, "api_code", None) == expect["api_code"]
        assert getattr(error, "verify_failure", None) == expect["verify_failure"]
    attempts = [r for r in control(normal, "GET", "requests") if f"/fault-{name}/" in r["target"]]
    assert len(attempts) == expect["attempts"]
    control(normal, "DELETE", "faults")
    (client if kind == "normal" else normal).close_transaction(f"after-{name}")


def test_every_matrix_case_is_well_formed() -> None:
    names = [c["name"] for c in SPEC["cases"]]
    assert names and len(set(names)) == len(names), "cases need unique names"
    for c in SPEC["cases"]:
        assert {"name", "fault", "client", "max_ms", "expect"} <= set(c), c["name"]


HOSTILE = [c for c in SPEC["cases"] if c.get("host") and c.get("repeat")]


def test_hostile_servers_end_by_the_deadline_under_asyncio_too(sandbox: Sandbox) -> None:
    """The matrix's hostile servers through ``close_transaction_async`` (the library's runtime,
    not the caller's thread), several at once: each ends with the matrix's code within
    ``timeout_ms`` + 100 ms, and the client still works afterwards."""
    normal = sandbox.client()

    async def one(case: Dict[str, Any], client: wxpay.Client, i: int) -> "tuple[float, Any]":
        started = time.monotonic()
        try:
            await client.close_transaction_async(f"async-{HOSTILE.index(case)}-{i}", base_uri=f"https://{case['host']}/hk/")
            return time.monotonic() - started, None
        except wxpay.WxpayError as e:
            return time.monotonic() - started, e

    async def main() -> None:
        for case in HOSTILE:
            client = variant(sandbox, "normal", case["host"], case["timeout_ms"])
            for took, error in await asyncio.gather(*(one(case, client, i) for i in range(4))):
                assert error is not None and error.kind == case["expect"]["code"], (case["name"], repr(error))
                assert error.may_have_been_sent, case["name"]
                assert took * 1000 <= case["timeout_ms"] + 100, (case["name"], took)

    assert HOSTILE, "the matrix has hostile cases"
    asyncio.run(main())
    normal.close_transaction("after-async-hostile")
