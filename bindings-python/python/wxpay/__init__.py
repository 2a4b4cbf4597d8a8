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
from ._native import version as _version
from ._notify import EncryptedField, Notification, NotificationAnswer, notification_answer

__version__: str = _version()

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
    "JsapiPayParams",
    "AppPayParams",
    "__version__",
    *_result_types,
]
