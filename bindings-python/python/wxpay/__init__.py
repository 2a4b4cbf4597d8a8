"""wxpay — one WeChat Pay APIv3 client, written once in Rust.

>>> import wxpay
>>> client = wxpay.Client(mchid="1230000109", serial="…", private_key=Path("apiclient_key.pem"),
...                       certs={"PUB_KEY_ID_…": Path("pub_key.pem")})
>>> client.v3.transactions.id._transaction_id_.close.post(
...     base_uri="https://api.mch.weixin.qq.com/hk/",
...     transaction_id="1217752501201407033233368018",
...     json={"mchid": "1230000109"},
... ).status_code
204
"""

from ._calls import *  # noqa: F401,F403 - the result types of the typed calls (generated)
from ._calls import __all__ as _result_types
from ._client import AppPayParams, Chain, Client, Headers, JsapiPayParams, Response, catalogue
from ._errors import (
    ApiError,
    ConfigError,
    DecodeError,
    InternalError,
    InvalidArgumentError,
    TimeoutError,
    TransportError,
    VerifyError,
    WxpayError,
)
from ._files import Download
from ._native import set_client_cache as _set_client_cache
from ._native import version as _version
from ._notify import EncryptedField, Notification, NotificationAnswer, notification_answer

__version__: str = _version()


def set_client_cache(capacity: int) -> None:
    """Keep at most ``capacity`` (1 – 1,000,000) clients in this process's cache from now on.

    ``Client(config)`` / ``Client.from_config`` with a configuration already built in this
    process returns that client (parsed keys, warm connections) instead of building it again;
    the cache keeps 64 by default, or ``WXPAY_CLIENT_CACHE`` from the environment. A platform
    serving many merchants from one process sets it to their number. Shrinking evicts the least
    recently used at once; an evicted client's key is wiped once nothing holds it. Clients with
    the same connection settings (``connect_timeout_ms``, ``ca_certs``, ``resolve``, the proxy)
    share one connection pool whatever the merchant.

    Raises :class:`InvalidArgumentError` when ``capacity`` is out of range.
    """
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise InvalidArgumentError(
            f"set_client_cache wants an int, not {type(capacity).__name__}",
            may_have_been_sent=False,
        )
    _set_client_cache(capacity)

__all__ = [
    "Client",
    "Chain",
    "Response",
    "Headers",
    "Notification",
    "NotificationAnswer",
    "notification_answer",
    "EncryptedField",
    "Download",
    "WxpayError",
    "ConfigError",
    "InvalidArgumentError",
    "TransportError",
    "TimeoutError",
    "ApiError",
    "VerifyError",
    "DecodeError",
    "InternalError",
    "catalogue",
    "set_client_cache",
    "JsapiPayParams",
    "AppPayParams",
    "__version__",
    *_result_types,
]
