"""Events through ``logging.getLogger("wxpay")``: one record per attempt sent and ended and per
call, WARNING for a retried attempt, with the sandbox's Request-IDs; nothing secret in them."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Dict, List

import pytest

import wxpay
from conftest import Sandbox, control

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"


def _close_records(caplog: pytest.LogCaptureFixture, txid: str) -> List[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "wxpay" and txid in r.getMessage()]


def _event(r: logging.LogRecord) -> Dict[str, Any]:
    event: Dict[str, Any] = r.wxpay_event  # type: ignore[attr-defined]
    return event


def _sandbox_request_ids(client: wxpay.Client, txid: str) -> List[str]:
    return [r["request_id"] for r in control(client, "GET", "requests?summary") if txid in r["target"]]


def _check_retry_sequence(records: List[logging.LogRecord], ids: List[str]) -> None:
    events = [_event(r) for r in records]
    assert [(e["kind"], e["attempt"]) for e in events] == [
        ("request", 1),
        ("response", 1),
        ("request", 2),
        ("response", 2),
        ("call", 2),
    ]
    assert [r.levelno for r in records] == [logging.DEBUG, logging.WARNING, logging.DEBUG, logging.DEBUG, logging.DEBUG]
    first, second, call = events[1], events[3], events[4]
    assert (first["status"], first["outcome"], first["api_code"]) == (503, "API", "SERVICE_UNAVAILABLE")
    assert first["will_retry"] is True and first["retry_in_ms"] > 0
    assert first["request_id"] == ids[0]
    assert (second["status"], second["outcome"], second["will_retry"]) == (204, "OK", False)
    assert second["request_id"] == ids[1] == call["request_id"]
    assert call["duration_ms"] >= first["duration_ms"]
    assert len({e["call"] for e in events}) == 1
    assert "attempt 1: 503 API SERVICE_UNAVAILABLE" in records[1].getMessage()
    assert records[1].getMessage().startswith(f"wxpay call {call['call']}: POST /hk/v3/transactions/id/")


def test_a_retried_call_logs_each_attempt(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="wxpay")
    client = sandbox.client(retries=2)
    control(client, "POST", "faults", {"fault": "status", "status": 503, "path": "events-py-sync", "count": 1})
    client.close_transaction("events-py-sync")
    _check_retry_sequence(_close_records(caplog, "events-py-sync"), _sandbox_request_ids(client, "events-py-sync"))


def test_asyncio_calls_log_the_same_events(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="wxpay")
    client = sandbox.client(retries=2)
    control(client, "POST", "faults", {"fault": "status", "status": 503, "path": "events-py-async", "count": 1})
    asyncio.run(client.close_transaction_async("events-py-async"))
    _check_retry_sequence(_close_records(caplog, "events-py-async"), _sandbox_request_ids(client, "events-py-async"))


def test_at_warning_only_retries_are_logged_and_a_quiet_logger_gets_nothing(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    client = sandbox.client(retries=1)
    caplog.set_level(logging.WARNING, logger="wxpay")
    control(client, "POST", "faults", {"fault": "status", "status": 429, "path": "events-py-warn"})
    client.close_transaction("events-py-warn")
    records = _close_records(caplog, "events-py-warn")
    assert [r.levelno for r in records] == [logging.WARNING]
    assert "429 API RATELIMIT_EXCEEDED" in records[0].getMessage() and "retrying in" in records[0].getMessage()

    logger = logging.getLogger("wxpay")
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        control(client, "POST", "faults", {"fault": "status", "status": 429, "path": "events-py-quiet"})
        client.close_transaction("events-py-quiet")
        assert _close_records(caplog, "events-py-quiet") == []
    finally:
        logger.setLevel(old)


def test_a_failed_call_ends_with_its_error(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="wxpay")
    client = sandbox.client(retries=0)
    control(client, "POST", "faults", {"fault": "bad_signature", "path": "events-py-forged"})
    with pytest.raises(wxpay.VerifyError) as info:
        client.close_transaction("events-py-forged")
    events = [_event(r) for r in _close_records(caplog, "events-py-forged")]
    assert [e["kind"] for e in events] == ["request", "response", "call"]
    assert events[1]["outcome"] == "OK"
    assert (events[2]["outcome"], events[2]["status"]) == ("VERIFY", 204)
    assert events[2]["request_id"] == info.value.request_id


def test_no_record_holds_a_secret(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    """Every call style, a proxy with a password, a JSON body: the records hold none of them."""
    caplog.set_level(logging.DEBUG, logger="wxpay")
    proxy = sandbox.info["proxy"]
    client = sandbox.client(retries=1, proxy=proxy)
    control(client, "POST", "faults", {"fault": "status", "status": 500, "path": "events-py-secret"})
    client.request(
        "POST",
        "v3/transactions/id/{id}/close",
        {"id": "events-py-secret", "json": {"mchid": sandbox.config["mchid"], "note": "BODY-MARKER-42"}},
    )
    client.v3.transactions.id["events-py-secret"].close.post(json={"mchid": sandbox.config["mchid"]})
    text = "\n".join(r.getMessage() + repr(getattr(r, "wxpay_event", None)) for r in caplog.records)
    assert "events-py-secret" in text
    key = (FIXTURES / "merchant_key.pem").read_text().splitlines()[1]
    apiv3 = (FIXTURES / "apiv3_key.txt").read_text().strip()
    password = proxy.split("@")[0].rsplit(":", 1)[1]
    for secret in (key, apiv3, password, "BODY-MARKER-42", "WECHATPAY2", sandbox.config["mchid"]):
        assert secret not in text, secret
