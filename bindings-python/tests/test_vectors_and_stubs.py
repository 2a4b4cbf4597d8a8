"""Shared vectors (byte-identical with the core's), the verification utility, and the stubs."""

from __future__ import annotations

import base64
import dataclasses
import json
import subprocess
import sys
from typing import Any, Dict

import pytest

import wxpay
from conftest import FIXTURES, ROOT, VECTORS

SIGNING = json.loads((VECTORS / "signing.json").read_text())
VERIFICATION = json.loads((VECTORS / "verification.json").read_text())


def vector_client() -> wxpay.Client:
    c = SIGNING["config"]
    return wxpay.Client(
        mchid=c["mchid"],
        serial=c["serial"],
        private_key=FIXTURES / "merchant_key.pem",
        certs={k: FIXTURES / "platform_pub.pem" for k in c["certs"]},
    )


@pytest.mark.parametrize("v", SIGNING["requests"], ids=lambda v: v["name"])
def test_signing_vectors(v: Dict[str, Any]) -> None:
    c = vector_client()
    p = c.prepare(v["method"], v["template"], v["options"], timestamp=v["timestamp"], nonce=v["nonce"])
    assert p["url"] == v["url"]
    assert p["canonical_url"] == v["canonical_url"]
    assert p["body"] == v["body"]
    assert p["authorization"] == v["authorization"]
    assert c.sign(v["method"], v["url"], v["body"], timestamp=v["timestamp"], nonce=v["nonce"]) == v["authorization"]


@pytest.mark.parametrize("v", SIGNING["calls"], ids=lambda v: v["name"])
def test_call_vectors(v: Dict[str, Any]) -> None:
    p = vector_client().prepare_call(v["call"], v["args"], timestamp=v["timestamp"], nonce=v["nonce"])
    assert (p["method"], p["url"], p["canonical_url"]) == (v["method"], v["url"], v["canonical_url"])
    assert p["body"] == v["body"]
    assert p["authorization"] == v["authorization"]


SNAKE = {"appId": "appid", "prepayId": "prepay_id", "timeStamp": "timestamp", "nonceStr": "nonce", "partnerId": "partnerid"}


@pytest.mark.parametrize("v", SIGNING["pay_params"], ids=lambda v: v["name"])
def test_pay_parameter_vectors(v: Dict[str, Any]) -> None:
    """openssl's signatures, and exactly the front end's object (keys, casing and order)."""
    a = {SNAKE.get(k, k): val for k, val in v["args"].items()}
    a["timestamp"] = int(a["timestamp"])
    c = vector_client()
    if v["kind"] == "app":
        got: Dict[str, Any] = dict(c.app_pay_params(a.pop("prepay_id"), **a))
    else:
        got = dict(c.jsapi_pay_params(a.pop("prepay_id"), **a))
    assert got == v["expect"]
    assert list(got) == list(v["expect"])
    assert json.dumps(got, separators=(",", ":")) == json.dumps(v["expect"], separators=(",", ":"))


def test_pay_parameters_default_to_now_and_a_fresh_nonce(tmp_path: Any) -> None:
    c = vector_client()
    a, b = c.jsapi_pay_params("wx2", appid="wx1"), c.jsapi_pay_params("wx2", appid="wx1")
    assert a["nonceStr"] != b["nonceStr"] and len(a["nonceStr"]) == 32
    assert a["package"] == "prepay_id=wx2" and a["signType"] == "RSA"
    (tmp_path / "m").write_bytes(f"wx1\n{a['timeStamp']}\n{a['nonceStr']}\nprepay_id=wx2\n".encode())
    (tmp_path / "s").write_bytes(base64.b64decode(a["paySign"]))
    verified = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", str(FIXTURES / "merchant_pub.pem"), "-signature", str(tmp_path / "s"),
         str(tmp_path / "m")],
        capture_output=True,
    )
    assert verified.returncode == 0, verified.stderr


@pytest.mark.parametrize(
    "kind,args,argument",
    [
        ("jsapi", {"prepay_id": "a\nb", "appid": "wx1"}, "prepay_id"),
        ("jsapi", {"prepay_id": "prepay_id=wx2", "appid": "wx1"}, "prepay_id"),
        ("jsapi", {"prepay_id": "wx2", "appid": ""}, "appid"),
        ("app", {"prepay_id": "wx2", "appid": "wx1", "partnerid": "12ab"}, "partnerid"),
        ("app", {"prepay_id": "wx2", "appid": "wx1", "timestamp": -5}, "timestamp"),
        ("app", {"prepay_id": "wx2", "appid": "wx1", "nonce": "a b"}, "nonce"),
    ],
)
def test_bad_pay_parameters_name_the_argument(kind: str, args: Dict[str, Any], argument: str) -> None:
    c = vector_client()
    f = c.app_pay_params if kind == "app" else c.jsapi_pay_params
    with pytest.raises(wxpay.InvalidArgumentError) as e:
        f(args.pop("prepay_id"), **args)
    assert e.value.argument == argument
    assert not e.value.may_have_been_sent


@pytest.mark.parametrize("case", VERIFICATION["cases"], ids=lambda c: c["name"])
def test_verification_vectors(case: Dict[str, Any]) -> None:
    c = vector_client()
    call = lambda: c.verify(  # noqa: E731
        timestamp=case["timestamp"],
        nonce=case["nonce"],
        signature=case["signature"],
        serial=case["serial"],
        body=case["body"],
        now=case["now"],
    )
    if case["expect"] == "ok":
        call()
    else:
        with pytest.raises(wxpay.VerifyError) as info:
            call()
        assert info.value.verify_failure == case["expect"]


NOTIFICATIONS = json.loads((VECTORS / "notifications.json").read_text())["cases"]


@pytest.mark.parametrize("case", NOTIFICATIONS, ids=[c["name"] for c in NOTIFICATIONS])
def test_notification_vectors(case: Dict[str, Any]) -> None:
    client = wxpay.Client(
        mchid="1230000109",
        serial="3775B6A45ACD588826D15E583A95F5DD00000001",
        private_key=FIXTURES / "merchant_key.pem",
        certs=case["certs"],
        apiv3_key=case["apiv3_key"],
    )
    body = case["body"].encode("utf-8")
    expect = case["expect"]
    if expect["code"] is None:
        n = client.parse_notification(case["headers"], body, now=case["now"])
        assert dataclasses.asdict(n) == expect["notification"]
    else:
        with pytest.raises(wxpay.WxpayError) as info:
            client.parse_notification(case["headers"], body, now=case["now"])
        assert info.value.kind == expect["code"] and expect["mentions"] in str(info.value)
    if expect.get("signature") == "valid":
        h = dict(case["headers"])
        client.verify(timestamp=h["Wechatpay-Timestamp"], nonce=h["Wechatpay-Nonce"], signature=h["Wechatpay-Signature"],
                      serial=h["Wechatpay-Serial"], body=body, now=case["now"])


def test_stubs_match_the_compiled_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "wxpay._native", "--ignore-missing-stub"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_type_checks_strictly() -> None:
    pkg = ROOT / "bindings-python" / "python" / "wxpay"
    example = ROOT / "bindings-python" / "examples" / "close_order.py"
    checkout = ROOT / "examples" / "python" / "checkout.py"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(pkg), str(example), str(checkout)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
