"""Notifications (WeChat Pay's callbacks) and sensitive fields: the Python shapes of what the
core verifies, decrypts and encrypts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Tuple, Union

from . import _native
from ._errors import InvalidArgumentError, WxpayError

__all__ = [
    "Notification",
    "NotificationAnswer",
    "EncryptedField",
    "notification_answer",
]

HeadersLike = Union[Mapping[str, Any], Iterable[Tuple[str, str]]]


@dataclass(frozen=True)
class Notification:
    """A verified, decrypted notification. ``id`` is the same on every redelivery: deduplicate
    on it. ``resource`` is the decrypted resource (for ``TRANSACTION.SUCCESS``: ``out_trade_no``,
    ``transaction_id``, ``trade_state``, ``amount``…)."""

    id: str
    event_type: str
    resource: Dict[str, Any] = field(repr=False)
    create_time: Optional[str] = None
    resource_type: Optional[str] = None
    summary: Optional[str] = None
    original_type: Optional[str] = None

    @classmethod
    def _from_json(cls, data: Mapping[str, Any]) -> "Notification":
        return cls(
            id=data["id"],
            event_type=data["event_type"],
            resource=data["resource"],
            create_time=data.get("create_time"),
            resource_type=data.get("resource_type"),
            summary=data.get("summary"),
            original_type=data.get("original_type"),
        )


class NotificationAnswer(NamedTuple):
    """What to send back to WeChat Pay: ``status``, ``headers`` and ``body`` (empty for 204)."""

    status: int
    headers: Dict[str, str]
    body: bytes


def notification_answer(error: Optional[BaseException] = None) -> NotificationAnswer:
    """The answer for a handled notification (``error`` None: 204, no body) or for the exception
    ``parse_notification`` raised: 401 for ``VerifyError`` (a ``SIGNTEST`` probe included: never
    process a probe; WeChat Pay sends it again correctly signed), 400 for ``DecodeError`` and
    ``InvalidArgumentError``, 500 for anything else, each with ``{"code":"FAIL","message":…}``.
    WeChat Pay retries a failure answer over about 24 hours."""
    if error is None:
        code: Optional[str] = None
    elif isinstance(error, WxpayError):
        code = error.kind
    else:
        code = "INTERNAL"
    status, content_type, body = _native.notification_answer(code)
    return NotificationAnswer(status, {"Content-Type": content_type} if content_type else {}, body.encode("utf-8"))


class EncryptedField(NamedTuple):
    """A sensitive field encrypted for WeChat Pay, and the key id to send as
    ``Wechatpay-Serial``."""

    ciphertext: str
    serial: str


def header_pairs(headers: HeadersLike) -> List[Tuple[str, str]]:
    """Received headers as ``(name, value)`` pairs: a mapping (Django's ``request.headers``,
    a ``dict``; a list value means the header came more than once), anything with ``items()``
    (Flask/Werkzeug, Starlette/FastAPI: every pair, repeated ones included) or an iterable of
    pairs (WSGI/ASGI raw headers, bytes decoded as Latin-1)."""

    def text(v: Any) -> str:
        return v.decode("latin-1") if isinstance(v, (bytes, bytearray)) else str(v)

    items: Iterable[Any] = headers.items() if hasattr(headers, "items") else headers
    pairs: List[Tuple[str, str]] = []
    try:
        for name, value in items:
            if isinstance(value, (list, tuple)):
                pairs.extend((text(name), text(v)) for v in value)
            elif value is not None:
                pairs.append((text(name), text(value)))
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            "headers must be a mapping of name → value or an iterable of (name, value) pairs",
            may_have_been_sent=False,
        ) from None
    return pairs


def raw_body(body: Any) -> bytes:
    """The body as bytes; parsed JSON is refused (verification needs the bytes as received)."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise InvalidArgumentError(
        f"body must be the raw request body as bytes (Flask: request.get_data(), Django: "
        f"request.body, FastAPI/Starlette: await request.body()), got {type(body).__name__}: "
        f"the signature covers the bytes as received, never re-serialised JSON",
        may_have_been_sent=False,
    )
