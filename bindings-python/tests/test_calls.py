"""The seed's call in every style, typed helpers, responses, concurrency, threads and fork."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import wxpay
from conftest import FIXTURES, Sandbox, control

SEED = dict(
    base_uri="https://api.mch.weixin.qq.com/hk/",
    transaction_id="1217752501201407033233368018",
    json={"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"},
)
SEED_TARGET = "/hk/v3/transactions/id/1217752501201407033233368018/close"
SEED_BODY = '{"mchid":"1230000109","sub_mchid":"1230000109","sp_mchid":"1230000109"}'
TEMPLATE = "v3/transactions/id/{transaction_id}/close"


def test_the_six_seed_variants_each_give_204(client: wxpay.Client) -> None:
    control(client, "POST", "reset")
    sync = [
        client.v3.transactions.id._transaction_id_.close.post(**SEED),
        client.chain(TEMPLATE).post(**SEED),
        client[TEMPLATE].post(**SEED),
    ]

    async def run_async() -> list:
        return [
            await client.v3.transactions.id._transaction_id_.close.post_async(**SEED),
            await client.chain(TEMPLATE).post_async(**SEED),
            await client[TEMPLATE].post_async(**SEED),
        ]

    responses = sync + asyncio.run(run_async())
    assert [r.status_code for r in responses] == [204] * 6
    assert all(r.content == b"" and r.json() is None for r in responses)
    log = control(client, "GET", "requests")
    assert [(e["method"], e["target"], e["body"]) for e in log] == [("POST", SEED_TARGET, SEED_BODY)] * 6


def test_php_style_options_dict_is_accepted_too(client: wxpay.Client) -> None:
    assert client[TEMPLATE].post(dict(SEED)).status_code == 204


def test_typed_close(client: wxpay.Client) -> None:
    control(client, "POST", "reset")
    assert client.close_transaction("4200000001") is None
    assert client.close_transaction("4200000001", endpoint="global", sub_mchid="1900000109") is None
    assert client.close_out_trade_no("shop-7_a") is None
    assert asyncio.run(client.close_transaction_async("4200000002")) is None
    assert asyncio.run(client.close_out_trade_no_async("shop-8", endpoint="global")) is None
    targets = [e["target"] for e in control(client, "GET", "requests")]
    assert targets == [
        "/hk/v3/transactions/id/4200000001/close",
        "/v3/global/transactions/id/4200000001/close",
        "/hk/v3/transactions/out-trade-no/shop-7_a/close",
        "/hk/v3/transactions/id/4200000002/close",
        "/v3/global/transactions/out-trade-no/shop-8/close",
    ]


def test_response_object(client: wxpay.Client) -> None:
    control(client, "POST", "orders", {"id": "q-1", "state": "SUCCESS"})
    r = client["v3/global/transactions/id/{transaction_id}"].get(
        base_uri="https://apihk.mch.weixin.qq.com/", transaction_id="q-1", query={"mchid": "1230000109"}
    )
    assert r.status_code == 200
    assert r.json() == {"mchid": "1230000109", "transaction_id": "q-1", "trade_state": "SUCCESS"}
    assert '"trade_state":"SUCCESS"' in r.text
    assert r.headers["content-type"] == r.headers["Content-Type"] == "application/json"
    assert "WECHATPAY-SERIAL" in r.headers
    assert r.request_id is not None and len(r.request_id) == 32
    assert r.request_id == r.headers["Request-ID"]
    assert "200" in repr(r)

    # A header received twice is one header with its values joined (the same rule everywhere).
    control(client, "POST", "faults", {"fault": "repeated_header"})
    r = client[TEMPLATE].post(**SEED)
    assert r.headers["X-Sandbox-Repeated"] == "one, two"
    assert r.headers.get_all("x-sandbox-repeated") == ["one, two"]


def test_chain_normalisation_is_the_cores(client: wxpay.Client) -> None:
    assert client.v3.transactions.id._transaction_id_.close.template == TEMPLATE
    assert client.v3.merchantService.complaintsV2.template == "v3/merchant-service/complaints-v2"
    with pytest.raises(TypeError, match="not a method"):
        client.v3.transactions.clse()  # a typo of a method name: a clear error, not a request


def test_100_concurrent_async_calls(client: wxpay.Client) -> None:
    async def main() -> list:
        return await asyncio.gather(
            *(client[TEMPLATE].post_async(**{**SEED, "transaction_id": f"gather-{i}"}) for i in range(100))
        )

    control(client, "POST", "reset")
    control(client, "POST", "faults", {"fault": "delay", "delay_ms": 200, "count": 100, "path": "gather-"})
    responses = asyncio.run(main())
    assert [r.status_code for r in responses] == [204] * 100
    assert len(control(client, "GET", "requests")) == 100


def test_cancelling_an_async_call(sandbox: Sandbox, client: wxpay.Client) -> None:
    """Cancelling the task cancels the call, retries included: each attempt answers 500 after
    600 ms and the client would retry three times; cancelled during attempt 1, the sandbox sees
    one attempt, not four."""
    retrying = sandbox.client(retries=3)

    async def main() -> None:
        task = asyncio.ensure_future(retrying[TEMPLATE].post_async(**{**SEED, "transaction_id": "cancel-me"}))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(1.3)  # attempt 2 would have arrived at ~700 ms
        # The client keeps working.
        assert (await client[TEMPLATE].post_async(**SEED)).status_code == 204

    control(client, "POST", "reset")
    control(client, "POST", "faults", {"fault": "status", "status": 500, "delay_ms": 600, "count": 10, "path": "cancel-me"})
    asyncio.run(main())
    attempts = [r for r in control(client, "GET", "requests") if "cancel-me" in r["target"]]
    control(client, "DELETE", "faults")
    assert len(attempts) == 1


def test_threads_share_one_client_and_the_gil_is_released(client: wxpay.Client) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(lambda i: client[TEMPLATE].post(**{**SEED, "transaction_id": f"t{i}"}).status_code, range(64)))
    assert codes == [204] * 64

    # While one thread blocks in a call the sandbox delays, this thread keeps running Python.
    control(client, "POST", "faults", {"fault": "delay", "delay_ms": 1500, "path": "gil"})
    worker = threading.Thread(target=lambda: client.close_transaction("gil"))
    worker.start()
    time.sleep(0.1)
    ticks = 0
    while worker.is_alive() and ticks < 100_000:
        ticks += 1
    progressed_while_blocked = worker.is_alive()
    worker.join()
    assert ticks == 100_000 and progressed_while_blocked


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_can_call(client: wxpay.Client) -> None:
    client.close_transaction("before-fork")
    asyncio.run(client.close_transaction_async("before-fork-async"))
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            client.close_transaction("in-child")
            asyncio.run(client.close_transaction_async("in-child-async"))
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    client.close_transaction("after-fork")
    targets = [e["target"] for e in control(client, "GET", "requests")]
    assert "/hk/v3/transactions/id/in-child/close" in targets
    assert "/hk/v3/transactions/id/in-child-async/close" in targets


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_keeps_the_parsed_keys(sandbox: Sandbox, tmp_path: Path) -> None:
    """After fork() a child gets new connections, not a new client: the key is not read again,
    so a key file removed (or rotated) after the client was built does not break the child."""
    key = tmp_path / "apiclient_key.pem"
    key.write_bytes((FIXTURES / "merchant_key.pem").read_bytes())
    client = sandbox.client(private_key=key)
    client.close_transaction("before-fork")
    key.unlink()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            client.close_transaction("child-without-key-file")
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    targets = [e["target"] for e in control(client, "GET", "requests")]
    assert "/hk/v3/transactions/id/child-without-key-file/close" in targets


def test_blocking_calls_use_a_connection_of_the_calling_thread(client: wxpay.Client) -> None:
    """A sync call made while no other is in progress does its I/O on the calling thread,
    through that thread's connection: each new thread opens one connection and reuses it (the
    sandbox counts connections). (Concurrent sync calls share the runtime's connection.)"""
    control(client, "GET", "stats")  # this thread's own connection, opened once

    def connections() -> int:
        return int(control(client, "GET", "stats")["connections"])

    before = connections()

    statuses: list[int] = []

    def calls(t: int) -> None:
        for i in range(3):
            options = {**SEED, "transaction_id": f"thread-{t}-{i}"}
            statuses.append(client[TEMPLATE].post(**options).status_code)

    for t in range(4):  # one after another
        thread = threading.Thread(target=calls, args=(t,))
        thread.start()
        thread.join()
    assert statuses == [204] * 12
    assert connections() - before == 4


def test_from_config_dict_and_path(sandbox: Sandbox) -> None:
    c = wxpay.Client.from_config(sandbox.config_path)
    assert c[TEMPLATE].post(**SEED).status_code == 204
    c = wxpay.Client.from_config(dict(sandbox.config))
    assert c.v3.transactions.id._transaction_id_.close.post(**SEED).status_code == 204


EXIT_SCRIPT = """
import asyncio, sys, wxpay
client = wxpay.Client.from_config(sys.argv[1])
SEED = dict(base_uri="https://api.mch.weixin.qq.com/hk/", transaction_id="exit-race",
            json={"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"})

async def main():
    async def worker():
        for _ in range(6):
            assert (await client[sys.argv[2]].post_async(**SEED)).status_code == 204
    await asyncio.gather(*(worker() for _ in range(4)))

asyncio.run(main())
# The interpreter exits right after the last future completed, while runtime threads may still
# be finishing their completion callbacks: that must not crash (it did, 1 run in 3).
"""


def test_the_interpreter_exits_cleanly_right_after_async_calls(sandbox: Sandbox) -> None:
    import subprocess
    import sys

    for _ in range(12):
        r = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT, str(sandbox.config_path), TEMPLATE],
            capture_output=True, text=True, timeout=60,
        )
        assert r.returncode == 0, f"exit status {r.returncode}: {r.stderr[-2000:]}"


def test_many_concurrent_async_calls_all_complete(client: wxpay.Client) -> None:
    # Completions are batched through one wake-up per loop; none may be stranded.
    async def main() -> list[int]:
        sem = asyncio.Semaphore(64)

        async def one(i: int) -> int:
            async with sem:
                r = await client[TEMPLATE].post_async(**{**SEED, "transaction_id": f"many-{i % 7}"})
                return r.status_code

        return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(400))), 120)

    assert asyncio.run(main()) == [204] * 400


class _NoReaderLoop(asyncio.SelectorEventLoop):
    """A loop that cannot watch file descriptors (like Windows' proactor loop)."""

    def add_reader(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise NotImplementedError


def test_async_calls_work_on_a_loop_without_add_reader(client: wxpay.Client) -> None:
    loop = _NoReaderLoop()
    try:
        async def main() -> list[int]:
            rs = await asyncio.gather(*(client[TEMPLATE].post_async(**SEED) for _ in range(8)))
            return [r.status_code for r in rs]

        assert loop.run_until_complete(main()) == [204] * 8
        with pytest.raises(wxpay.ApiError) as e:
            loop.run_until_complete(
                client.v3.transactions.id._transaction_id_.get_async(
                    base_uri="https://api.mch.weixin.qq.com/hk/", transaction_id="x"
                )
            )
        assert e.value.status_code == 400
    finally:
        loop.close()


def test_behind_a_proxy(sandbox: Sandbox) -> None:
    """Through the sandbox's CONNECT proxy (TLS end to end): the host resolves to a dead port, so
    only the proxy can reach it. A dead proxy: TransportError, not sent, no password shown."""
    proxy = sandbox.info["proxy"]
    dead_direct = {"api.mch.weixin.qq.com": "127.0.0.1:9"}
    client = sandbox.client(proxy=proxy, resolve=dead_direct, user_agent="py-proxy")
    client.close_transaction("py-via-proxy")
    secret = proxy.split(":")[2].split("@")[0]
    assert secret not in repr(client)
    dead = sandbox.client(proxy=f"http://u:{secret}@127.0.0.1:9", user_agent="py-dead-proxy")
    with pytest.raises(wxpay.TransportError) as info:
        dead.close_transaction("py-dead-proxy")
    assert info.value.may_have_been_sent is False
    assert secret not in str(info.value) and secret not in repr(info.value)
    with pytest.raises(wxpay.ConfigError, match="SOCKS"):
        sandbox.client(proxy="socks5://127.0.0.1:1080")
