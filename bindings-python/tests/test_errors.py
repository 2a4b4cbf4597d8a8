"""Every error kind with its data; bad configuration; bad arguments; pickling."""

from __future__ import annotations

import asyncio
import builtins
import pickle
from pathlib import Path
from typing import Any

import pytest

import wxpay
from conftest import FIXTURES, Sandbox, control

SEED = dict(
    base_uri="https://api.mch.weixin.qq.com/hk/",
    transaction_id="1217752501201407033233368018",
    json={"mchid": "1230000109"},
)
TEMPLATE = "v3/transactions/id/{transaction_id}/close"


def roundtrip(e: wxpay.WxpayError) -> wxpay.WxpayError:
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is type(e)
    assert copy.to_dict() == e.to_dict()
    assert str(copy) == str(e)
    return copy


def test_api_error_carries_everything(client: wxpay.Client) -> None:
    control(client, "POST", "orders", {"id": "paid-py", "state": "SUCCESS"})
    with pytest.raises(wxpay.ApiError) as info:
        client.close_transaction("paid-py")
    e = info.value
    assert isinstance(e, wxpay.WxpayError)
    assert e.kind == "API"
    assert e.status_code == 400
    assert e.api_code == "ORDERPAID"
    with pytest.warns(DeprecationWarning, match="api_code"):
        assert e.code == "ORDERPAID"  # the 0.1 name, kept for one release
    assert e.api_message
    assert e.request_id is not None and len(e.request_id) == 32
    assert b"ORDERPAID" in e.body
    assert e.may_have_been_sent is True
    assert "ORDERPAID" in str(e) and "ORDERPAID" in repr(e)
    roundtrip(e)


def test_order_not_exist_in_strict_mode(strict_sandbox: Sandbox) -> None:
    c = strict_sandbox.client()
    with pytest.raises(wxpay.ApiError) as info:
        c.close_transaction("unknown")
    assert (info.value.status_code, info.value.api_code) == (404, "ORDER_NOT_EXIST")


def test_sign_error_shows_sign_information(sandbox: Sandbox) -> None:
    c = sandbox.client(private_key=FIXTURES / "other_key.pem")
    with pytest.raises(wxpay.ApiError) as info:
        c.close_transaction("x")
    assert info.value.api_code == "SIGN_ERROR" and info.value.status_code == 401
    assert info.value.sign_information["url"] == "/hk/v3/transactions/id/x/close"


@pytest.mark.parametrize(
    "fault,reason",
    [
        ("bad_signature", "BAD_SIGNATURE"),
        ("signtest", "SIGNTEST"),
        ("no_signature", "MISSING_HEADERS"),
        ("stale_timestamp", "TIMESTAMP_SKEW"),
        ("future_timestamp", "TIMESTAMP_SKEW"),
        ("unknown_serial", "UNKNOWN_SERIAL"),
    ],
)
def test_verify_errors(client: wxpay.Client, fault: str, reason: str) -> None:
    control(client, "POST", "faults", {"fault": fault, "path": "/close"})
    with pytest.raises(wxpay.VerifyError) as info:
        client.close_transaction("v")
    assert info.value.kind == "VERIFY" and info.value.verify_failure == reason
    assert info.value.status_code == 204
    roundtrip(info.value)


def test_decode_error_when_200_comes_instead_of_204(client: wxpay.Client) -> None:
    control(client, "POST", "faults", {"fault": "status_200", "path": "/close"})
    with pytest.raises(wxpay.DecodeError) as info:
        client.close_transaction("d")
    assert info.value.kind == "DECODE" and info.value.status_code == 200


def test_transport_error_says_not_sent(sandbox: Sandbox) -> None:
    c = sandbox.client(resolve={"api.mch.weixin.qq.com": "127.0.0.1:9"})
    with pytest.raises(wxpay.TransportError) as info:
        c.close_transaction("t")
    assert info.value.kind == "TRANSPORT" and info.value.may_have_been_sent is False
    assert roundtrip(info.value).may_have_been_sent is False


def test_timeout_is_also_a_builtin_timeout(sandbox: Sandbox) -> None:
    c = sandbox.client(timeout=0.3)
    control(c, "POST", "faults", {"fault": "delay", "delay_ms": 2000, "path": "slow"})
    with pytest.raises(builtins.TimeoutError) as info:
        c.close_transaction("slow")
    assert isinstance(info.value, wxpay.TimeoutError) and info.value.kind == "TIMEOUT"
    assert info.value.may_have_been_sent is True
    c.close_transaction("after")  # keeps working


def test_async_errors_are_the_same_exceptions(client: wxpay.Client) -> None:
    control(client, "POST", "orders", {"id": "paid-async", "state": "SUCCESS"})

    async def main() -> None:
        with pytest.raises(wxpay.ApiError, match="ORDERPAID"):
            await client[TEMPLATE].post_async(**{**SEED, "transaction_id": "paid-async"})
        with pytest.raises(wxpay.InvalidArgumentError):
            await client[TEMPLATE].post_async(json={})

    asyncio.run(main())


@pytest.mark.parametrize(
    "overrides,needle",
    [
        (dict(private_key="file:///nonexistent/apiclient_key.pem"), "cannot read file"),
        (dict(private_key=FIXTURES / "ec_key.pem"), "not RSA"),
        (dict(private_key=FIXTURES / "encrypted_key.pem"), "encrypted"),
        (dict(private_key=FIXTURES / "merchant_cert.pem"), "certificate"),
        (dict(private_key="apiclient_key.pem"), "file://"),
        (dict(private_key=""), "private_key"),
        (dict(mchid="12ab"), "digits"),
        (dict(certs={}), "certs"),
        (dict(certs={"PUB_KEY_ID_1": FIXTURES / "merchant_key.pem"}), "private key"),
        (dict(timeout=0), "positive"),
        (dict(timeout="10"), "seconds"),
        (dict(retries=99), "retries"),
        (dict(resolve={"api.mch.weixin.qq.com": "nope"}), "ip:port"),
        (dict(base_uri="http://api.mch.weixin.qq.com/"), "insecure_http"),
        (dict(ca_certs=[FIXTURES / "merchant_pub.pem"]), "not a PEM certificate"),
    ],
)
def test_bad_configuration(sandbox: Sandbox, overrides: Any, needle: str) -> None:
    with pytest.raises(wxpay.ConfigError) as info:
        sandbox.client(**overrides)
    e = info.value
    assert isinstance(e, ValueError) and e.kind == "CONFIG"
    assert needle in str(e), str(e)
    key = (FIXTURES / "merchant_key.pem").read_text().splitlines()[1]
    assert key not in str(e) and key not in repr(e)
    roundtrip(e)


def test_from_config_names_unknown_fields(sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(wxpay.ConfigError, match="did you mean `private_key`"):
        wxpay.Client.from_config({**sandbox.config, "merchantPrivateKey": "x"})
    with pytest.raises(wxpay.ConfigError, match="cannot read configuration"):
        wxpay.Client.from_config(tmp_path / "missing.json")


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda c: c[TEMPLATE].post(json={}), "needs a value for `{transaction_id}`"),
        (lambda c: c[TEMPLATE].post(transactionId="1"), "transactionId"),
        (lambda c: c[TEMPLATE].post(transaction_id=".."), "would change the path"),
        (lambda c: c[TEMPLATE].post(transaction_id=""), "empty"),
        (lambda c: c[TEMPLATE].post(transaction_id=1.5), "string or an integer"),
        (lambda c: c[TEMPLATE].post(transaction_id="1", json={"x": object()}), "JSON"),
        (lambda c: c[TEMPLATE].post(transaction_id="1", json={"x": float("nan")}), "JSON"),
        (lambda c: c.request("BREW", TEMPLATE, transaction_id="1"), "BREW"),
        (lambda c: c.v3.x.get(json={"a": 1}), "GET request carries no body"),
        (lambda c: c.v3.x.get(query="mchid=1"), "query"),
        (lambda c: c.close_transaction(42), "must be a str"),
        (lambda c: c.close_transaction("1", endpoint="cn"), "endpoint"),
        (lambda c: c.close_transaction(""), "empty"),
        (lambda c: c.close_transaction("4" * 33), "at most 32"),
        (lambda c: c.close_transaction("a/b"), "'/'"),
        (lambda c: c.close_transaction(".."), "'.'"),
        (lambda c: c.close_out_trade_no("a?b#c"), "'?'"),
        (lambda c: c.close_out_trade_no("a%2F"), "'%'"),
        (lambda c: c.close_out_trade_no("a b"), "' '"),
        (lambda c: c.close_out_trade_no("订单"), "'订'"),
        (lambda c: c[3], "must be a str"),
        (lambda c: c.sign("GET", "not a url"), "absolute URL"),
    ],
)
def test_bad_arguments_send_nothing(client: wxpay.Client, call: Any, needle: str) -> None:
    control(client, "POST", "reset")
    with pytest.raises(wxpay.InvalidArgumentError) as info:
        call(client)
    assert info.value.kind == "INVALID_ARGUMENT" and info.value.may_have_been_sent is False
    assert needle in str(info.value), str(info.value)
    assert control(client, "GET", "requests") == []
