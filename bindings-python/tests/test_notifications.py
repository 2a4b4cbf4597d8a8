"""Notifications and sensitive fields: the shared cases (tests/reliability/notifications.json),
a real WSGI endpoint the sandbox delivers to, and bad input."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

import wxpay
from conftest import ROOT, Sandbox, control

CASES = json.loads((ROOT / "tests" / "reliability" / "notifications.json").read_text())["cases"]


def mint(client: wxpay.Client, event: str = "payment", fault: Any = None) -> Dict[str, Any]:
    return control(client, "POST", "notifications", {"event": event, "fault": fault})  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_cases(client: wxpay.Client, case: Dict[str, Any]) -> None:
    minted = mint(client, case["event"], case["fault"])
    expect = case["expect"]
    headers = [(k, v) for k, v in minted["headers"]]
    body = minted["body"].encode("utf-8")
    if expect["code"] is None:
        n = client.parse_notification(headers, body)
        assert n.event_type == expect["event_type"]
        assert n.id == minted["id"]
        assert n.resource["mchid"] == "1230000109"
        answer = wxpay.notification_answer()
        assert answer == (204, {}, b"")
    else:
        with pytest.raises(wxpay.WxpayError) as info:
            client.parse_notification(headers, body)
        e = info.value
        assert e.kind == expect["code"], e
        assert getattr(e, "verify_failure", None) == expect["verify_failure"], e
        if expect.get("mentions"):
            assert expect["mentions"] in str(e)
        answer = wxpay.notification_answer(e)
        assert answer.status == expect["answer_status"]
        assert answer.headers == {"Content-Type": "application/json"}
        assert json.loads(answer.body)["code"] == "FAIL"


def test_header_shapes_and_bad_input(client: wxpay.Client) -> None:
    minted = mint(client, "refund")
    pairs = [(k, v) for k, v in minted["headers"]]
    body = minted["body"].encode("utf-8")
    # A dict with lower-case names, a mapping with list values, raw bytes pairs (ASGI).
    assert client.parse_notification({k.lower(): v for k, v in pairs}, body).original_type == "refund"
    assert client.parse_notification({k: [v] for k, v in pairs}, bytearray(body)).event_type == "REFUND.SUCCESS"
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
    assert client.parse_notification(raw, memoryview(body)).summary == "退款成功"
    # Parsed JSON instead of the raw body: a clear error before anything is checked.
    with pytest.raises(wxpay.InvalidArgumentError, match="raw request body"):
        client.parse_notification(pairs, json.loads(body))  # type: ignore[arg-type]
    with pytest.raises(wxpay.InvalidArgumentError, match="headers must be"):
        client.parse_notification(42, body)  # type: ignore[arg-type]
    # Re-serialised JSON no longer matches the signature.
    with pytest.raises(wxpay.VerifyError) as info:
        client.parse_notification(pairs, json.dumps(json.loads(body), indent=2).encode())
    assert info.value.verify_failure == "BAD_SIGNATURE"
    # A huge body is refused unread; `now` decides the window.
    with pytest.raises(wxpay.DecodeError, match="refused unread"):
        client.parse_notification(pairs, b" " * (1024 * 1024 + 1))
    with pytest.raises(wxpay.VerifyError) as info:
        client.parse_notification(pairs, body, now=1_000_000_000)
    assert info.value.verify_failure == "TIMESTAMP_SKEW"


def test_without_apiv3_key(sandbox: Sandbox) -> None:
    kwargs = sandbox.client_kwargs()
    del kwargs["apiv3_key"]
    keyless = wxpay.Client(**kwargs)
    minted = mint(keyless)
    with pytest.raises(wxpay.ConfigError, match="apiv3_key"):
        keyless.parse_notification(minted["headers"], minted["body"].encode())
    with pytest.raises(wxpay.ConfigError, match="32 characters") as info:
        sandbox.client(apiv3_key="too-short-secret")
    assert "too-short-secret" not in str(info.value)
    key_file = Path(sandbox.config["apiv3_key"][len("file://"):])
    assert sandbox.client(apiv3_key=key_file).parse_notification(minted["headers"], minted["body"].encode()).id == minted["id"]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def wsgi_endpoint(client: wxpay.Client) -> Iterator[Tuple[str, List[str]]]:
    """A WSGI app receiving notifications as a Flask/Django view would: headers from the
    environ, the raw body from wsgi.input."""
    seen: List[str] = []

    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            n = client.parse_notification(headers, body)
            seen.append(f"{n.event_type} {n.resource.get('out_trade_no') or n.resource.get('echo_message')}")
            answer = wxpay.notification_answer()
        except wxpay.WxpayError as e:
            seen.append(getattr(e, "verify_failure", None) or e.kind)
            answer = wxpay.notification_answer(e)
        start_response(f"{answer.status} X", list(answer.headers.items()))
        return [answer.body]

    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/wxpay/notify", seen
    finally:
        server.shutdown()


def test_delivery_to_a_wsgi_app(client: wxpay.Client, wsgi_endpoint: Tuple[str, List[str]]) -> None:
    url, seen = wsgi_endpoint
    r = control(client, "POST", "notify", {"url": url, "event": "payment", "fault": "signtest"})
    assert r["delivered"] is True, r
    assert [d["status"] for d in r["deliveries"]] == [401, 204]
    assert json.loads(r["deliveries"][0]["body"]) == {"code": "FAIL", "message": "signature verification failed"}
    assert seen[0] == "SIGNTEST" and seen[1].startswith("TRANSACTION.SUCCESS sandbox-")
    r = control(client, "POST", "notify", {"url": url, "event": "payment", "fault": "wrong_apiv3_key", "attempts": 1})
    assert r["delivered"] is False and r["deliveries"][0]["status"] == 400
    assert seen[-1] == "DECODE"


def test_sensitive_fields(client: wxpay.Client, sandbox: Sandbox) -> None:
    f = client.encrypt_field("张三")
    assert isinstance(f, wxpay.EncryptedField)
    assert f.serial == sandbox.info["platform_serial"]
    assert len(f.ciphertext) == 344
    assert client.encrypt_field("张三").ciphertext != f.ciphertext  # OAEP is randomised
    client.encrypt_field("a" * 214)
    with pytest.raises(wxpay.InvalidArgumentError, match="214") as info:
        client.encrypt_field("b" * 215)
    assert "bbbb" not in str(info.value)
    with pytest.raises(wxpay.DecodeError):
        client.decrypt_field(f.ciphertext)  # for WeChat Pay's key, not the merchant's
    # The `encrypt` option encrypts the named fields and names the key in Wechatpay-Serial.
    p = client.prepare("POST", "v3/x", json={"name": "张三", "n": 1}, encrypt=["/name"])
    assert dict((k, v) for k, v in p["headers"])["Wechatpay-Serial"] == f.serial
    body = json.loads(p["body"])
    assert body["n"] == 1 and len(body["name"]) == 344
    with pytest.raises(wxpay.InvalidArgumentError, match="only string fields"):
        client.prepare("POST", "v3/x", json={"n": 1}, encrypt=["/n"])


def test_security_echo(client: wxpay.Client, wsgi_endpoint: Tuple[str, List[str]]) -> None:
    answer = client.security_echo("hello 你好")
    assert answer["echo_message"] == "hello 你好"
    # What WeChat Pay encrypted for the merchant decrypts with decrypt_field.
    assert client.decrypt_field(answer["encrypted_echo_message"]) == "hello 你好"
    url, seen = wsgi_endpoint
    client.security_echo("ping", notify_url=url)
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen == ["SECURITY_ECHO.SUCCESS ping"]
    with pytest.raises(wxpay.InvalidArgumentError):
        client.security_echo("")


async def _echo_async(client: wxpay.Client) -> Dict[str, Any]:
    return await client.security_echo_async("async")


def test_security_echo_async(client: wxpay.Client) -> None:
    import asyncio

    assert asyncio.run(_echo_async(client))["echo_message"] == "async"
