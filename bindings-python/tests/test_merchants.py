"""Many merchants in one process: the client cache's capacity, and merchants behind one gateway
sharing connections — each request still its own merchant's (mchid, serial, signature)."""

from __future__ import annotations

import threading
from typing import Iterator, List

import pytest

import wxpay
from conftest import FIXTURES, Sandbox, _start, control

MERCHANTS = [str(1_900_000_200 + i) for i in range(40)]


@pytest.fixture(scope="module")
def platform() -> Iterator[Sandbox]:
    """A sandbox that knows 40 merchants (their own mchid; one test key between them)."""
    args: List[str] = []
    for m in MERCHANTS:
        args += ["--merchant", f"{m}={FIXTURES / 'merchant_pub.pem'}"]
    yield from _start(strict=False, extra=args)


def test_the_capacity_is_checked() -> None:
    with pytest.raises(wxpay.InvalidArgumentError, match="out of range"):
        wxpay.set_client_cache(0)
    with pytest.raises(wxpay.InvalidArgumentError, match="out of range"):
        wxpay.set_client_cache(-5)
    with pytest.raises(wxpay.InvalidArgumentError, match="an int"):
        wxpay.set_client_cache("64")  # type: ignore[arg-type]
    with pytest.raises(wxpay.InvalidArgumentError, match="an int"):
        wxpay.set_client_cache(True)


def test_evicted_clients_keep_working(sandbox: Sandbox) -> None:
    try:
        wxpay.set_client_cache(2)
        clients = [sandbox.client(user_agent=f"cache-py-{i}") for i in range(4)]
        for c in clients:
            c.close_transaction("4200000000202612070000000001")  # raises unless 204
    finally:
        wxpay.set_client_cache(64)


def test_merchants_behind_one_gateway_share_connections(platform: Sandbox) -> None:
    clients = [
        platform.client(mchid=m, serial=f"{i + 1:040X}") for i, m in enumerate(MERCHANTS)
    ]
    base = control(clients[0], "GET", "stats")["connections"]
    control(clients[0], "POST", "reset")
    errors: List[BaseException] = []

    def worker(t: int) -> None:
        try:
            for n in range(len(MERCHANTS)):
                i = (n + t * 7) % len(MERCHANTS)
                clients[i].close_out_trade_no(f"P{t}-{n}")  # raises unless 204
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[0]
    used = control(clients[0], "GET", "stats")["connections"] - base
    # One pool per thread (or the process runtime's) for all 40 merchants — not one per merchant.
    print(f"{used} connections for {len(MERCHANTS)} merchants on 4 threads")
    assert used <= 6, f"{used} connections for {len(MERCHANTS)} merchants on 4 threads"
    log = [r for r in control(clients[0], "GET", "requests") if "/close" in r["target"]]
    assert len(log) == 4 * len(MERCHANTS)
    for r in log:
        auth = dict(r["headers"])["authorization"]
        mchid = auth.split('mchid="')[1].split('"')[0]
        serial = auth.split('serial_no="')[1].split('"')[0]
        i = MERCHANTS.index(mchid)
        assert serial == f"{i + 1:040X}"
        assert f'"mchid":"{mchid}"' in r["body"]
        assert r["status"] == 204
