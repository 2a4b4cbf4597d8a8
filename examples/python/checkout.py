"""A mini-program checkout with wxpay, end to end against the local WeChat Pay (wxpay sandbox).

    pip install wxpay-apiv3          # and the wxpay CLI on PATH (or WXPAY_CLI=/path/to/wxpay)
    python checkout.py

The shop: an order table, a notify_url endpoint (a plain http.server here; Flask, Django or
FastAPI hand ``parse_notification`` the same headers and raw body), and the server side of the
checkout. The day: create the JSAPI order → hand the signed pay parameters to the mini program →
the payer pays (the sandbox plays them) → the endpoint verifies TRANSACTION.SUCCESS and marks the
order paid → query confirms it → refund part → REFUND.SUCCESS marks it refunded.

Against WeChat Pay itself only the client changes: ``Client.from_config("/etc/wxpay/c.json")``
with the merchant's keys, and an https notify_url.
"""

from __future__ import annotations

import http.server
import sys
import threading
from typing import Dict, List, Tuple

import wxpay
from wxpay.testing import Sandbox

APPID = "wxd678efh567hg6787"  # the mini program's app id
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"  # the payer, as wx.login told the mini program


class Shop:
    """The merchant's side: orders by out_trade_no, updated only by verified notifications."""

    def __init__(self, client: wxpay.Client) -> None:
        self.client = client
        self.orders: Dict[str, Dict[str, object]] = {}
        self.seen: set[str] = set()  # notification ids: WeChat Pay redelivers, handle each once
        self.changed = threading.Condition()

    def notification(self, headers: List[Tuple[str, str]], body: bytes) -> wxpay.NotificationAnswer:
        try:
            n = self.client.parse_notification(headers, body)
        except wxpay.WxpayError as e:
            return wxpay.notification_answer(e)  # 401/400: WeChat Pay sends it again
        with self.changed:
            if n.id not in self.seen:
                self.seen.add(n.id)
                order = self.orders.get(str(n.resource.get("out_trade_no")))
                if order is not None and n.event_type == "TRANSACTION.SUCCESS":
                    order.update(state="paid", transaction_id=n.resource["transaction_id"])
                elif order is not None and n.event_type == "REFUND.SUCCESS":
                    order.update(state="refunded", refunded=n.resource["amount"]["refund"])
                self.changed.notify_all()
        return wxpay.notification_answer()

    def wait_for(self, out_trade_no: str, state: str) -> Dict[str, object]:
        with self.changed:
            if not self.changed.wait_for(lambda: self.orders[out_trade_no]["state"] == state, timeout=10):
                raise SystemExit(f"order {out_trade_no} never became {state}: {self.orders[out_trade_no]}")
            return self.orders[out_trade_no]


def serve_notifications(shop: Shop) -> str:
    class Endpoint(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = shop.notification(list(self.headers.items()), body)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/wxpay/notify"


def main() -> int:
    with Sandbox.start() as sandbox:
        client = sandbox.client()
        shop = Shop(client)
        notify_url = serve_notifications(shop)

        # 1. The payer taps "pay": create the order, hand the signed parameters to wx.requestPayment.
        out_trade_no = "SHOP-20261207-0001"
        shop.orders[out_trade_no] = {"state": "created", "amount": 2500}
        prepay = client.create_jsapi(out_trade_no=out_trade_no, description="Oolong tea, 250 g", amount=2500,
                                     appid=APPID, openid=OPENID, notify_url=notify_url, endpoint="mainland")
        params = client.jsapi_pay_params(prepay.prepay_id, appid=APPID)
        print("1. created", out_trade_no, "→ wx.requestPayment(", params["package"], params["signType"], "…)")

        # 2. The payer pays in WeChat (the sandbox plays them); the notification marks the order paid.
        sandbox.pay(prepay_id=prepay.prepay_id)
        order = shop.wait_for(out_trade_no, "paid")
        print("2. notified: paid, transaction", order["transaction_id"])

        # 3. Never trust the front end alone: ask WeChat Pay.
        t = client.query_out_trade_no(out_trade_no, endpoint="mainland")
        assert t.trade_state == "SUCCESS" and t.total == 2500, t
        print("3. queried:", t.trade_state, t.total, t.currency)

        # 4. A partial refund: PROCESSING now, REFUND.SUCCESS when the money is back.
        r = client.create_refund(out_refund_no=out_trade_no + "-R1", out_trade_no=out_trade_no, refund=500,
                                 total=2500, reason="one bag missing", notify_url=notify_url, endpoint="mainland")
        print("4. refund", r.out_refund_no, r.refund_status)
        shop.wait_for(out_trade_no, "refunded")
        settled = client.query_refund(out_trade_no + "-R1", endpoint="mainland")
        assert settled.refund_status == "SUCCESS", settled
        print("5. notified and queried: refund", settled.refund_status, settled.refund)
    print("checkout OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
