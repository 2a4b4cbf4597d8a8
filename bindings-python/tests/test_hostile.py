"""Hostile input through the Python package: the shared bad-input catalogue
(tests/reliability/bad_inputs.json), integers JSON cannot carry exactly, and a panic inside the
core (debug builds, ``WXPAY_TEST_PANIC=1``) reaching Python as ``wxpay.InternalError``."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, Iterator

import pytest

import wxpay
from conftest import FIXTURES, ROOT, Sandbox, control

SPEC = json.loads((ROOT / "tests" / "reliability" / "bad_inputs.json").read_text())


def expand(v: Any) -> Any:
    """``{fixtures}`` → the fixtures folder, ``{"$repeat": [s, n]}`` → s repeated n times."""
    if isinstance(v, str):
        return v.replace("{fixtures}", str(FIXTURES))
    if isinstance(v, list):
        return [expand(x) for x in v]
    if isinstance(v, dict):
        if "$repeat" in v:
            text, n = v["$repeat"]
            return text * n
        return {k: expand(x) for k, x in v.items()}
    return v


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: c["name"])
def test_bad_input_catalogue(sandbox: Sandbox, case: Dict[str, Any]) -> None:
    normal = sandbox.client()
    control(normal, "POST", "reset")
    expect = case["expect"]
    with pytest.raises(wxpay.WxpayError) as caught:
        if "config" in case:
            # The catalogue spells fields as the core does (any documented spelling), so the
            # mapping goes through `from_config`, which passes it on untouched.
            wxpay.Client.from_config({**sandbox.config, **expand(case["config"])})
        else:
            call = expand(case["call"])
            normal.request(call["method"], call["template"], call["options"])
    e = caught.value
    assert e.kind == expect["code"], repr(e)
    assert e.may_have_been_sent is False
    message = str(e)
    assert len(message) <= 600, f"{len(message)} characters"
    for want in expect["mentions"]:
        assert want.lower() in message.lower(), message
    for bad in expect["absent"]:
        assert bad not in message, message
    assert control(normal, "GET", "requests") == [], "something was sent"


def test_every_catalogue_case_is_well_formed() -> None:
    names = [c["name"] for c in SPEC["cases"]]
    assert names and len(set(names)) == len(names), "cases need unique names"
    for c in SPEC["cases"]:
        assert ("config" in c) != ("call" in c), c["name"]
        assert set(c["expect"]) == {"code", "mentions", "absent"}, c["name"]


@pytest.mark.parametrize("amount", [2**64, -(2**63) - 1, 10**30, 1e300])
def test_integers_beyond_64_bits_are_refused_not_rounded(sandbox: Sandbox, amount: Any) -> None:
    client = sandbox.client()
    control(client, "POST", "reset")
    with pytest.raises(wxpay.InvalidArgumentError) as caught:
        client.request("POST", "v3/refund/domestic/refunds", json={"amount": {"refund": amount}})
    assert "json.amount.refund" in str(caught.value)
    assert control(client, "GET", "requests") == []


def test_64_bit_integers_are_sent_exactly(sandbox: Sandbox) -> None:
    client = sandbox.client()
    prepared = client.prepare(
        "POST", "v3/x", json={"a": 2**64 - 1, "b": -(2**63)}, timestamp=1, nonce="n"
    )
    assert prepared["body"] == '{"a":18446744073709551615,"b":-9223372036854775808}'


@pytest.fixture
def panicking() -> Iterator[None]:
    os.environ["WXPAY_TEST_PANIC"] = "1"
    try:
        yield
    finally:
        del os.environ["WXPAY_TEST_PANIC"]


def test_a_panic_in_a_sync_call_is_an_internal_error(sandbox: Sandbox, panicking: None) -> None:
    client = sandbox.client()
    with pytest.raises(wxpay.InternalError) as caught:
        client.close_transaction("panic-sync")
    assert "deliberate test panic" in str(caught.value)
    assert isinstance(caught.value, Exception)


def test_a_panic_in_an_async_call_completes_the_future(sandbox: Sandbox, panicking: None) -> None:
    client = sandbox.client()

    async def both() -> None:
        for call in (client.close_transaction_async("panic-async"), client.request_async("GET", "v3/certificates")):
            with pytest.raises(wxpay.InternalError) as caught:
                await asyncio.wait_for(call, timeout=10)
            assert "deliberate test panic" in str(caught.value)

    asyncio.run(both())


def test_the_client_works_after_a_panic_and_nothing_is_printed(sandbox: Sandbox) -> None:
    # In a child process, so that its stderr can be read: the panic must not be printed there.
    script = f"""
import os, sys
sys.path[:0] = {sys.path!r}
import wxpay, json
c = wxpay.Client(**json.loads({json.dumps(json.dumps(sandbox.client_kwargs()))}))
os.environ["WXPAY_TEST_PANIC"] = "1"
try:
    c.close_transaction("panic-child")
except wxpay.InternalError:
    pass
del os.environ["WXPAY_TEST_PANIC"]
c.close_transaction("after-panic")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert "panicked" not in done.stderr, done.stderr


def test_calls_survive_the_server_closing_its_connections(sandbox: Sandbox) -> None:
    """A keep-alive timeout or a deployment closes pooled connections: the next call (sync or
    asyncio) must not fail on one."""
    client = sandbox.client()
    for _ in range(5):
        client.close_transaction("keepalive")
        control(client, "POST", "close_connections")
        time.sleep(0.15)
        client.close_transaction("after-server-close")
        asyncio.run(client.close_transaction_async("after-server-close"))


BAD_CALLS = json.loads((ROOT / "tests" / "reliability" / "bad_calls.json").read_text())


@pytest.mark.parametrize("case", BAD_CALLS["cases"], ids=lambda c: c["name"])
def test_bad_call_catalogue(sandbox: Sandbox, case: Dict[str, Any]) -> None:
    """Typed calls with bad arguments, through the generic entry: refused, named, nothing sent."""
    normal = sandbox.client()
    control(normal, "POST", "reset")
    expect = case["expect"]
    with pytest.raises(wxpay.WxpayError) as caught:
        normal.call(case["call"], case["args"])
    e = caught.value
    assert e.kind == expect["code"], repr(e)
    assert e.may_have_been_sent is False
    assert getattr(e, "argument", None) == expect["argument"], repr(e)
    message = str(e)
    assert len(message) <= 600
    for want in expect["mentions"]:
        assert want.lower() in message.lower(), message
    for bad in expect["absent"]:
        assert bad not in message, message
    assert control(normal, "GET", "requests") == [], "something was sent"
