"""Bench client: the wxpay Python binding, the seed's close call in index style.

BENCH_MODE=payday: one "call" is the payment day's round trip through the typed calls, from
BENCH_C threads: ``create_native`` (a fresh out_trade_no each time) then ``query_out_trade_no``
— two signed calls, two verified answers.

BENCH_MODE=threads: ``client[TEMPLATE].post(...)`` from BENCH_C threads (the GIL is released
during the call); BENCH_MODE=asyncio: ``await client[TEMPLATE].post_async(...)`` from BENCH_C
tasks. Driven by bench/run.py; see bench/README.md.
"""

from __future__ import annotations

import os

import harness
import wxpay

TEMPLATE = "v3/transactions/id/{transaction_id}/close"
OPTIONS = dict(
    base_uri="https://api.mch.weixin.qq.com/hk/",
    transaction_id="1217752501201407033233368018",
    json={"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"},
)

client = wxpay.Client.from_config(os.environ["BENCH_CONFIG"])
endpoint = client[TEMPLATE]


def call() -> None:
    r = endpoint.post(**OPTIONS)
    if r.status_code != 204:
        raise RuntimeError(f"close call answered {r.status_code}, not 204")


async def acall() -> None:
    r = await endpoint.post_async(**OPTIONS)
    if r.status_code != 204:
        raise RuntimeError(f"close call answered {r.status_code}, not 204")


_seq = iter(range(1 << 62))
_prefix = "pd" + os.urandom(4).hex()


def payday() -> None:
    no = f"{_prefix}{next(_seq)}"
    client.create_native(out_trade_no=no, description="bench", amount=1, appid="wxd678efh567hg6787",
                         notify_url="https://shop.example/notify", endpoint="mainland")
    t = client.query_out_trade_no(no, endpoint="mainland")
    if t.trade_state != "NOTPAY":
        raise RuntimeError(f"query answered {t.trade_state}, not NOTPAY")


if os.environ.get("BENCH_MODE") == "payday":
    os.environ["BENCH_MODE"] = "threads"
    harness.main(call=payday)
else:
    harness.main(call=call, acall=acall)
