"""The wxpay exception hierarchy: one base class, one subclass per error kind."""

from __future__ import annotations

import builtins
import json
import warnings
from typing import Any, ClassVar, Dict, Optional, Type


class WxpayError(Exception):
    """Base class of every wxpay error.

    ``kind`` is the stable code string shared by every language (``"CONFIG"``,
    ``"INVALID_ARGUMENT"``, ``"TRANSPORT"``, ``"TIMEOUT"``, ``"API"``, ``"VERIFY"``, ``"DECODE"``,
    ``"INTERNAL"``). ``may_have_been_sent`` is False only when the request certainly did not
    reach WeChat Pay (so a retry cannot duplicate it). Errors pickle with all their data.
    """

    KIND: ClassVar[str] = "INTERNAL"

    kind: str
    message: str
    may_have_been_sent: bool
    status_code: Optional[int]
    request_id: Optional[str]

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[str] = None,
        may_have_been_sent: bool = True,
        status_code: Optional[int] = None,
        request_id: Optional[str] = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.kind = kind or self.KIND
        self.message = message
        self.may_have_been_sent = may_have_been_sent
        self.status_code = status_code
        self.request_id = request_id
        for key, value in extra.items():
            setattr(self, key, value)

    def to_dict(self) -> Dict[str, Any]:
        """The error's data, as the C ABI's ``wxpay_error_json`` gives it."""
        d = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        return d

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.to_dict()))

    def __repr__(self) -> str:
        parts = [f"kind={self.kind!r}", f"message={self.message!r}"]
        if self.status_code is not None:
            parts.append(f"status_code={self.status_code}")
        api_code = getattr(self, "api_code", None)
        if api_code:
            parts.append(f"api_code={api_code!r}")
        if self.request_id:
            parts.append(f"request_id={self.request_id!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


def _rebuild(cls: Type[WxpayError], data: Dict[str, Any]) -> WxpayError:
    data = dict(data)
    message = data.pop("message", "")
    return cls(message, **data)


class ConfigError(WxpayError, ValueError):
    """Bad configuration or key material (kind ``"CONFIG"``). Nothing was sent."""

    KIND = "CONFIG"


class InvalidArgumentError(WxpayError, ValueError):
    """Bad call arguments (kind ``"INVALID_ARGUMENT"``). Nothing was sent."""

    #: the argument at fault as the call catalogue names it (``"amount"``, ``"out_trade_no"``),
    #: when the core knows it; else None.
    argument: Optional[str] = None

    KIND = "INVALID_ARGUMENT"


class TransportError(WxpayError):
    """Connection or TLS failure (kind ``"TRANSPORT"``); see ``may_have_been_sent``."""

    KIND = "TRANSPORT"


class TimeoutError(WxpayError, builtins.TimeoutError):  # noqa: A001 - deliberately also a builtins.TimeoutError
    """No complete answer in time (kind ``"TIMEOUT"``). The request may have been sent."""

    KIND = "TIMEOUT"


class ApiError(WxpayError):
    """WeChat Pay answered non-2xx (kind ``"API"``).

    ``status_code``, ``api_code`` (WeChat Pay's, e.g. ``"ORDER_NOT_EXIST"``), ``message`` (the
    library's summary) and ``api_message`` (WeChat Pay's own), ``detail``, ``request_id``,
    ``body`` (raw bytes) and, for ``SIGN_ERROR``, ``sign_information``.

    ``code`` is a deprecated alias of ``api_code`` (kept for one release): everywhere else in
    wxpay "code" is the error's kind, as ``kind`` is here.
    """

    KIND = "API"
    api_code: str
    api_message: str
    detail: Any
    body: bytes
    sign_information: Any

    def __init__(self, message: str, **fields: Any) -> None:
        if "code" in fields:  # the 0.1 spelling, from an old pickle or caller
            fields.setdefault("api_code", fields.pop("code"))
        super().__init__(message, **fields)

    @property
    def code(self) -> str:
        """Deprecated alias of ``api_code``."""
        warnings.warn(
            "ApiError.code is deprecated; use ApiError.api_code (WeChat Pay's code)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.api_code


class VerifyError(WxpayError):
    """A 2xx answer failed signature, timestamp or serial checks (kind ``"VERIFY"``).

    ``verify_failure``: ``MISSING_HEADERS``, ``MALFORMED_HEADERS``, ``TIMESTAMP_SKEW``,
    ``UNKNOWN_SERIAL``, ``BAD_SIGNATURE``, ``SIGNTEST`` (a ``WECHATPAY/SIGNTEST/`` probe), ``CERTIFICATE_EXPIRED`` or ``DIGEST_MISMATCH`` (a downloaded file). Treat the answer as forged.
    """

    KIND = "VERIFY"
    verify_failure: Optional[str]


class DecodeError(WxpayError):
    """An answer that cannot be understood (kind ``"DECODE"``)."""

    KIND = "DECODE"


class InternalError(WxpayError):
    """A bug caught at the boundary (kind ``"INTERNAL"``). Please report it."""

    KIND = "INTERNAL"


_BY_KIND: Dict[str, Type[WxpayError]] = {
    cls.KIND: cls
    for cls in (
        ConfigError,
        InvalidArgumentError,
        TransportError,
        TimeoutError,
        ApiError,
        VerifyError,
        DecodeError,
        InternalError,
    )
}


def _from_core(text: str) -> WxpayError:
    """The exception for the core's error JSON (``Error::to_json``); the native module raises
    what this returns."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return InternalError(f"unreadable native error: {text!r}")
    kind = data.get("code", "INTERNAL")
    cls = _BY_KIND.get(kind, InternalError)
    fields: Dict[str, Any] = {
        "kind": kind,
        "may_have_been_sent": bool(data.get("may_have_been_sent", True)),
        "status_code": data.get("status"),
        "request_id": data.get("request_id"),
    }
    if cls is InvalidArgumentError:
        fields["argument"] = data.get("argument")
    if cls is VerifyError:
        fields["verify_failure"] = data.get("verify_failure")
    if cls is ApiError:
        fields["api_code"] = data.get("api_code", "")
        fields["api_message"] = data.get("api_message", "")
        fields["detail"] = data.get("detail")
        fields["sign_information"] = data.get("sign_information")
        fields["body"] = (data.get("body") or "").encode("utf-8")
    return cls(data.get("message", ""), **fields)
