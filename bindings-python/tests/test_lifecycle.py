"""The payment day from Python against the stateful sandbox, started by the shipped helper
(``wxpay.testing`` and its pytest fixtures, ``wxpay sandbox`` underneath): create, pay
parameters, the payer pays, the notification verified by a real HTTP handler, query, close,
refund, refund notification, code pay — sync and asyncio, mainland and HK."""

from __future__ import annotations

import asyncio
import json
import re
import os
import http.server
import queue
import threading
from pathlib import Path
from typing import Iterator, Tuple

import pytest

import wxpay
from wxpay.testing import Sandbox, SandboxError

APPID = "wxd678efh567hg6787"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
STORE = {"store_info": {"out_id": "store-1"}}


class Handler:
    """A merchant's notification endpoint on loopback: verifies each notification with the
    client and queues what it read."""

    def __init__(self, client: wxpay.Client) -> None:
        self.received: "queue.Queue[wxpay.Notification]" = queue.Queue()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    n = client.parse_notification(list(self.headers.items()), body)
                except wxpay.WxpayError as e:
                    answer = wxpay.notification_answer(e)
                else:
                    outer.received.put(n)
                    answer = wxpay.notification_answer()
                self.send_response(answer.status)
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/wxpay/notify"

    def next(self, event_type: str) -> wxpay.Notification:
        n = self.received.get(timeout=10)
        assert n.event_type == event_type, n
        return n


@pytest.fixture()
def day(wxpay_sandbox: Sandbox, wxpay_client: wxpay.Client) -> Iterator[Tuple[Sandbox, wxpay.Client, Handler]]:
    handler = Handler(wxpay_client)
    yield wxpay_sandbox, wxpay_client, handler
    handler.server.shutdown()


def test_the_fixture_is_the_shipped_helper_over_https(wxpay_sandbox: Sandbox) -> None:
    assert wxpay_sandbox.url.startswith("https://127.0.0.1:")
    assert wxpay_sandbox.mchid == "1230000109"
    assert "TEST ONLY" in repr(wxpay_sandbox)


def test_mainland_native_day(day: Tuple[Sandbox, wxpay.Client, Handler]) -> None:
    sandbox, client, handler = day
    order = client.create_native(out_trade_no="py-native-1", description="Tea", amount=100,
                                 appid=APPID, notify_url=handler.url, endpoint="mainland", attach="cart=7")
    assert order.code_url.startswith("weixin://"), order
    assert client.query_out_trade_no("py-native-1", endpoint="mainland").trade_state == "NOTPAY"

    paid = sandbox.pay("py-native-1")
    note = handler.next("TRANSACTION.SUCCESS")
    assert note.resource["out_trade_no"] == "py-native-1"
    assert note.resource["transaction_id"] == paid["transaction_id"]
    t = client.query_out_trade_no("py-native-1", endpoint="mainland")
    assert (t.trade_state, t.total, t.transaction_id, t.attach) == ("SUCCESS", 100, paid["transaction_id"], "cart=7")
    assert client.query_transaction(t.transaction_id, endpoint="mainland").out_trade_no == "py-native-1"

    with pytest.raises(wxpay.ApiError) as e:
        client.close_out_trade_no("py-native-1", endpoint="mainland")
    assert e.value.api_code == "ORDERPAID"

    r = client.create_refund(out_refund_no="py-native-1-r1", out_trade_no="py-native-1", refund=60, total=100,
                             notify_url=handler.url, endpoint="mainland")
    assert (r.refund_status, r.refund) == ("PROCESSING", 60)
    refunded = handler.next("REFUND.SUCCESS")
    assert refunded.resource["out_refund_no"] == "py-native-1-r1"
    assert client.query_refund("py-native-1-r1", endpoint="mainland").refund_status == "SUCCESS"
    # 60 + 50 > 100: refused by WeChat Pay (the sandbox), not silently capped.
    with pytest.raises(wxpay.ApiError) as e:
        client.create_refund(out_refund_no="py-native-1-r2", out_trade_no="py-native-1", refund=50, total=100,
                             endpoint="mainland")
    assert e.value.api_code == "INVALID_REQUEST"


def test_hk_jsapi_pay_params_and_refund_list(day: Tuple[Sandbox, wxpay.Client, Handler]) -> None:
    sandbox, client, handler = day
    prepay = client.create_jsapi(out_trade_no="py-hk-1", description="Dim sum", amount=880, currency="HKD",
                                 merchant_category_code="5812", appid=APPID, openid=OPENID, notify_url=handler.url, endpoint="hk")
    params = client.jsapi_pay_params(prepay.prepay_id, appid=APPID)
    assert params["package"] == "prepay_id=" + prepay.prepay_id and params["signType"] == "RSA"
    sandbox.pay(prepay_id=prepay.prepay_id)
    handler.next("TRANSACTION.SUCCESS")
    t = client.query_out_trade_no("py-hk-1", endpoint="hk")
    assert (t.trade_state, t.currency) == ("SUCCESS", "HKD")
    client.create_refund(out_refund_no="py-hk-1-r1", transaction_id=t.transaction_id, refund=80, total=880,
                         currency="HKD", appid=APPID, endpoint="hk")
    refunds = client.list_refunds(out_trade_no="py-hk-1", endpoint="hk")
    assert [r["out_refund_no"] for r in (refunds.refunds or [])] == ["py-hk-1-r1"], refunds


def test_code_pay_userpaying_then_settled_and_reverse(day: Tuple[Sandbox, wxpay.Client, Handler]) -> None:
    sandbox, client, _ = day
    waiting = client.create_micropay(out_trade_no="py-code-1", description="Coffee", amount=30,
                                     auth_code="130112345678901234", appid=APPID, endpoint="mainland", scene_info=STORE)
    assert waiting.trade_state == "USERPAYING"
    sandbox.pay("py-code-1")
    assert client.query_out_trade_no("py-code-1", endpoint="mainland").trade_state == "SUCCESS"

    with pytest.raises(wxpay.ApiError) as e:
        client.create_micropay(out_trade_no="py-code-2", description="Coffee", amount=30,
                               auth_code="130012345678901234", appid=APPID, endpoint="mainland", scene_info=STORE)
    assert e.value.api_code == "NOTENOUGH"
    client.create_micropay(out_trade_no="py-code-3", description="Coffee", amount=30,
                           auth_code="130112345678901235", appid=APPID, endpoint="mainland", scene_info=STORE)
    client.reverse_out_trade_no("py-code-3", appid=APPID, endpoint="mainland")
    assert client.query_out_trade_no("py-code-3", endpoint="mainland").trade_state == "REVOKED"
    with pytest.raises(SandboxError) as s:
        sandbox.pay("py-code-3")
    assert s.value.status == 400


def test_asyncio_day(day: Tuple[Sandbox, wxpay.Client, Handler]) -> None:
    sandbox, client, handler = day

    async def main() -> str:
        await client.create_app_async(out_trade_no="py-async-1", description="Tea", amount=100,
                                      appid=APPID, notify_url=handler.url, endpoint="mainland")
        await sandbox.pay_async("py-async-1")
        t = await client.query_out_trade_no_async("py-async-1", endpoint="mainland")
        return t.trade_state

    assert asyncio.run(main()) == "SUCCESS"
    assert handler.next("TRANSACTION.SUCCESS").resource["out_trade_no"] == "py-async-1"


def test_bad_arguments_send_nothing(day: Tuple[Sandbox, wxpay.Client, Handler]) -> None:
    sandbox, client, handler = day
    before = len(sandbox.requests())
    for bad in ({"amount": -1}, {"amount": 1.5}, {"amount": "100"}, {"out_trade_no": "bad no!"}):
        args = dict(out_trade_no="py-bad-1", description="x", amount=100, appid=APPID,
                    notify_url=handler.url, endpoint="mainland")
        args.update(bad)
        with pytest.raises(wxpay.InvalidArgumentError) as e:
            client.create_native(**args)  # type: ignore[arg-type]
        assert next(iter(bad)) in str(e.value)
    assert len(sandbox.requests()) == before


def test_pay_of_an_unknown_order_says_so(wxpay_sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError) as e:
        wxpay_sandbox.pay("never-created")
    assert e.value.status == 400
    assert "no order created with out_trade_no never-created" in str(e.value), e.value
    with pytest.raises(SandboxError):
        wxpay_sandbox.pay()


def test_a_missing_cli_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXPAY_CLI", "/nonexistent/wxpay")
    with pytest.raises(SandboxError) as e:
        Sandbox.start()
    assert "/nonexistent/wxpay" in str(e.value)
    monkeypatch.delenv("WXPAY_CLI")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SandboxError) as e:
        Sandbox.start()
    assert "WXPAY_CLI" in str(e.value) and "PATH" in str(e.value)
    assert "pip install wxpay-cli" in str(e.value)


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = str(tmp_path / "state.json")
    with Sandbox.start(state_file=state) as first:
        c = first.client()
        c.create_native(out_trade_no="py-keep-1", description="Tea", amount=100, appid=APPID,
                        notify_url="http://127.0.0.1:9/notify", endpoint="mainland")
        paid = first.pay("py-keep-1")
    with Sandbox.start(state_file=state) as second:
        t = second.client().query_out_trade_no("py-keep-1", endpoint="mainland")
        assert (t.trade_state, t.transaction_id) == ("SUCCESS", paid["transaction_id"])


def test_a_forgotten_sandbox_stops_with_its_object() -> None:
    import gc

    sandbox = Sandbox.start()
    process = sandbox._process
    state = os.path.dirname(sandbox.client_config)
    del sandbox
    gc.collect()
    assert process.wait(10) == 0
    assert not os.path.exists(state)


PAYDAY = json.loads((Path(__file__).resolve().parents[2] / "tests" / "vectors" / "payday.json").read_text())


def test_the_shared_payday_script_through_the_typed_methods(wxpay_sandbox: Sandbox, wxpay_client: wxpay.Client) -> None:
    """tests/vectors/payday.json: every call of the payment day, each through its typed method."""
    run = os.urandom(4).hex()
    saved: dict = {}

    def fill(v: object) -> object:
        if isinstance(v, str):
            v = v.replace("{run}", run)
            return re.sub(r"\{(\w+)\.(\w+)\}", lambda m: str(getattr(saved[m[1]], m[2])), v)
        if isinstance(v, dict):
            return {k: fill(x) for k, x in v.items()}
        return v

    for i, step in enumerate(PAYDAY["steps"]):
        where = f"step {i}: {step}"
        if "pay" in step:
            body = fill(step["pay"])
            if "pay_error" in step:
                with pytest.raises(SandboxError) as refused:
                    wxpay_sandbox.pay(**body)  # type: ignore[arg-type]
                assert refused.value.status == step["pay_error"], where
            else:
                wxpay_sandbox.pay(**body)  # type: ignore[arg-type]
            continue
        method = getattr(wxpay_client, step["call"])
        args = fill(step["args"])
        if "error" in step:
            with pytest.raises(wxpay.ApiError) as e:
                method(**args)
            assert e.value.api_code == step["error"], where
            continue
        result = method(**args)
        if "result" in step:
            assert result is None, where
        for field, want in step.get("expect", {}).items():
            got = getattr(result, field)
            assert (bool(got) if want == "*" else got == fill(want)), f"{where}: {field} = {got!r}"
        if "save" in step:
            saved[step["save"]] = result
