"""Close an order from Python with wxpay: the seed's call in the three styles, sync and async.

    python bindings-python/examples/close_order.py CONFIG.json

CONFIG.json is a wxpay client configuration (the one ``wxpay-sandbox --client-config`` writes
reaches the sandbox at the real host names through resolve + ca_certs).
"""

from __future__ import annotations

import asyncio
import sys

import wxpay

OPTIONS = dict(
    base_uri="https://api.mch.weixin.qq.com/hk/",
    transaction_id="1217752501201407033233368018",
    json={"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"},
)
TEMPLATE = "v3/transactions/id/{transaction_id}/close"


async def close_async(client: wxpay.Client) -> list[int]:
    responses = await asyncio.gather(
        client.v3.transactions.id._transaction_id_.close.post_async(**OPTIONS),
        client.chain(TEMPLATE).post_async(**OPTIONS),
        client[TEMPLATE].post_async(**OPTIONS),
    )
    return [r.status_code for r in responses]


def main(config_path: str) -> int:
    client = wxpay.Client.from_config(config_path)
    sync = [
        client.v3.transactions.id._transaction_id_.close.post(**OPTIONS).status_code,
        client.chain(TEMPLATE).post(**OPTIONS).status_code,
        client[TEMPLATE].post(**OPTIONS).status_code,
    ]
    print("Python sync  (chain, declarative, index):", sync)
    print("Python async (chain, declarative, index):", asyncio.run(close_async(client)))
    client.close_transaction("1217752501201407033233368018")
    print("Python typed close_transaction: closed (204)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python close_order.py CONFIG.json", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
