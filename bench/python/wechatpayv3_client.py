"""Bench client: the peer ``wechatpayv3`` (PyPI), closing an order by ``out_trade_no`` on the
domestic endpoint (``POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close``).

Configured as its README recommends for the WeChat Pay public-key mode: ``WeChatPay(...)`` (or
``AsyncWeChatPay`` under ``async with``) created once, with the merchant key and the platform
public key given as PEM text, so each is parsed once. BENCH_MODE=threads shares one ``WeChatPay``
between BENCH_C threads; BENCH_MODE=asyncio uses ``AsyncWeChatPay`` from BENCH_C tasks.

Redirect: wechatpayv3 has no option for another host; its gateway is the attribute
``_core._gate_way`` (``https://api.mch.weixin.qq.com``), which this script sets to the sandbox's
``https://127.0.0.1:PORT`` (BENCH_URL). The sandbox CA (BENCH_CA) is trusted through
REQUESTS_CA_BUNDLE (requests) and SSL_CERT_FILE (httpx), both honoured by those libraries.
Driven by bench/run.py; see bench/README.md.
"""

from __future__ import annotations

import os

os.environ["REQUESTS_CA_BUNDLE"] = os.environ["BENCH_CA"]
os.environ["SSL_CERT_FILE"] = os.environ["BENCH_CA"]

import harness  # noqa: E402
from wechatpayv3 import WeChatPay, WeChatPayType  # noqa: E402
from wechatpayv3.async_ import AsyncWeChatPay  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures")
GATEWAY = os.environ["BENCH_URL"].rstrip("/")
OUT_TRADE_NO = "1217752501201407033233368018"


def fixture(name: str) -> str:
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


SETTINGS = dict(
    wechatpay_type=WeChatPayType.NATIVE,
    mchid="1230000109",
    private_key=fixture("merchant_key.pem"),  # TEST-ONLY key (tests/fixtures/README.md)
    cert_serial_no="3775B6A45ACD588826D15E583A95F5DD00000001",
    appid="wxd678efh567hg6787",
    apiv3_key="0" * 32,  # unused in public-key mode
    public_key=fixture("platform_pub.pem"),
    public_key_id="PUB_KEY_ID_0112300001092026112600000000000001",
)

sync_client = WeChatPay(**SETTINGS)
sync_client._core._gate_way = GATEWAY
async_client = None


def call() -> None:
    code, message = sync_client.close(out_trade_no=OUT_TRADE_NO)
    if code != 204:
        raise RuntimeError(f"close call answered {code}, not 204: {message!r}")


async def setup() -> None:
    global async_client
    async_client = AsyncWeChatPay(**SETTINGS)
    async_client._core._gate_way = GATEWAY
    await async_client.__aenter__()


async def acall() -> None:
    code, message = await async_client.close(out_trade_no=OUT_TRADE_NO)
    if code != 204:
        raise RuntimeError(f"close call answered {code}, not 204: {message!r}")


harness.main(call=call, acall=acall, setup=setup)
