"""The typed calls generated from the core's catalogue, and the generic entry under them,
against the sandbox over TLS."""

from __future__ import annotations

import asyncio
import inspect
import json

import pytest

import wxpay
from conftest import control


def test_every_call_of_the_catalogue_has_a_method_and_an_async_twin(client: wxpay.Client) -> None:
    calls = wxpay.catalogue()["calls"]
    assert {c["name"] for c in calls} >= {"close_transaction", "query_out_trade_no", "security_echo"}
    for c in calls:
        if c["builder"] == "upload":
            continue  # hand-written: it takes a path or bytes
        method = getattr(client, c["name"])
        twin = getattr(client, c["name"] + "_async")
        assert inspect.iscoroutinefunction(twin), c["name"]
        params = inspect.signature(method).parameters
        names = {a["name"] for a in c["args"]}
        assert set(params) == names, (c["name"], set(params) ^ names)
        # (the generator wraps long summaries: compare the words)
        assert " ".join(c["summary"].split()) in " ".join((method.__doc__ or "").split()), c["name"]


def test_close_then_query_gives_a_typed_transaction(client: wxpay.Client) -> None:
    control(client, "POST", "reset")
    assert client.close_out_trade_no("shop-py-1") is None
    t = client.query_out_trade_no("shop-py-1")
    assert isinstance(t, wxpay.Transaction)
    assert t.trade_state == "CLOSED"
    assert t.status_code == 200
    assert t.raw["trade_state"] == "CLOSED"
    assert t.request_id


def test_async_twins_resolve_the_same(client: wxpay.Client) -> None:
    control(client, "POST", "reset")

    async def run() -> wxpay.Transaction:
        await client.close_transaction_async("4200000000000000000000000000901")
        return await client.query_transaction_async("4200000000000000000000000000901")

    t = asyncio.run(run())
    assert t.trade_state == "CLOSED"
    assert t.transaction_id == "4200000000000000000000000000901"


def test_the_generic_entry_takes_any_call_by_name(client: wxpay.Client) -> None:
    control(client, "POST", "reset")
    r = client.call("close_out_trade_no", {"out_trade_no": "shop-py-2"}, endpoint="global")
    assert r["status"] == 204
    r = client.call("query_out_trade_no", out_trade_no="shop-py-2", endpoint="global")
    assert r["trade_state"] == "CLOSED" and r["raw"]["trade_state"] == "CLOSED"
    r = asyncio.run(client.call_async("query_out_trade_no", out_trade_no="shop-py-2", endpoint="global"))
    assert r["status"] == 200


def test_prepare_call_is_the_exact_request(client: wxpay.Client) -> None:
    p = client.prepare_call("close_transaction", {"transaction_id": "42"}, timestamp=1700000000, nonce="n1")
    assert p["method"] == "POST"
    assert p["url"].endswith("/hk/v3/transactions/id/42/close")
    again = client.prepare_call("close_transaction", {"transaction_id": "42"}, timestamp=1700000000, nonce="n1")
    assert again == p


@pytest.mark.parametrize(
    "name,args,argument,words",
    [
        ("query_out_trade_no", {"out_trade_no": "a/b"}, "out_trade_no", "'/'"),
        ("query_out_trade_no", {}, "out_trade_no", "out_trade_no"),
        ("close_transaction", {"transaction_id": "1", "endpoint": "mainland"}, "endpoint", "endpoint"),
        ("close_transaction", {"transaction_id": 42}, "transaction_id", "string"),
    ],
)
def test_bad_arguments_name_the_argument(client: wxpay.Client, name: str, args: dict, argument: str, words: str) -> None:
    with pytest.raises(wxpay.InvalidArgumentError) as e:
        client.call(name, args)
    assert e.value.argument == argument
    assert words in e.value.message
    assert e.value.may_have_been_sent is False
    assert json.loads(json.dumps(e.value.to_dict()))["argument"] == argument


def test_unknown_calls_and_options_are_refused_with_the_alternatives(client: wxpay.Client) -> None:
    with pytest.raises(wxpay.InvalidArgumentError, match="query_out_trade_no"):
        client.call("query_order", {})
    with pytest.raises(wxpay.InvalidArgumentError, match="did you mean"):
        client.call("query_out_trade_no", out_trade_no="shop-1", sub_mchd="1")
    with pytest.raises(wxpay.InvalidArgumentError, match="must be an object"):
        client.call("query_out_trade_no", ["x"])  # type: ignore[arg-type]
