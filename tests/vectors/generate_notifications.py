#!/usr/bin/env python3
"""Write notifications.json: notification vectors every language parses, made without wxpay.

- `minted_*`: notifications minted for the project with a 32-byte APIv3 key: the resource is
  encrypted with Python's `cryptography` (AES-256-GCM), the body signed with `openssl dgst
  -sha256 -sign` and the TEST-ONLY platform key, at a fixed timestamp and nonce.
- `go_sdk_signature_half`: the notification of the WeChat Pay Go SDK's notify test (its
  certificate, headers and body as published). Its APIv3 key is 16 bytes (AES-128), which wxpay
  refuses by design, so only its signature half applies: it verifies, and decrypting it with
  the project's 32-byte key fails the GCM tag (DECODE).

Each case gives the client's `certs` and `apiv3_key` inline, the `now` to check at, the headers
and the raw body, and the expected outcome. Run: python3 tests/vectors/generate_notifications.py
(needs python3-cryptography; the committed file is what the tests read).
"""
import base64
import json
import os
import subprocess

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures")
PUB_KEY_ID = "PUB_KEY_ID_0112300001092026112600000000000001"
APIV3_KEY = open(os.path.join(FIX, "apiv3_key.txt")).read().strip()
PLATFORM_PUB = open(os.path.join(FIX, "platform_pub.pem")).read()
TS = "1700000000"
SIG_NONCE = "9C0F3D5E7A1B2C4D6E8F0A1B3C5D7E9F"


def sign(message: bytes) -> str:
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", os.path.join(FIX, "platform_key.pem")],
        input=message, capture_output=True, check=True,
    ).stdout
    return base64.b64encode(out).decode()


def minted(name, event_type, original_type, plaintext, nonce, aad, summary):
    ct = AESGCM(APIV3_KEY.encode()).encrypt(nonce.encode(), json.dumps(plaintext, ensure_ascii=False, separators=(",", ":")).encode(), aad.encode() if aad else None)
    resource = {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ct).decode(), "nonce": nonce}
    if aad is not None:
        resource["associated_data"] = aad
    envelope = {"id": f"00000000-0000-4000-8000-{name[-12:].rjust(12, '0')}", "create_time": "2023-11-15T06:13:20+08:00",
                "resource_type": "encrypt-resource", "event_type": event_type, "summary": summary,
                "resource": resource}
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    signature = sign(f"{TS}\n{SIG_NONCE}\n{body}\n".encode())
    return {
        "name": name,
        "certs": {PUB_KEY_ID: PLATFORM_PUB},
        "apiv3_key": APIV3_KEY,
        "now": int(TS),
        "headers": [["Wechatpay-Timestamp", TS], ["Wechatpay-Nonce", SIG_NONCE], ["Wechatpay-Signature", signature],
                    ["Wechatpay-Serial", PUB_KEY_ID], ["Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"]],
        "body": body,
        "expect": {"code": None, "notification": {
            "id": envelope["id"], "create_time": envelope["create_time"], "event_type": event_type,
            "resource_type": "encrypt-resource", "summary": summary, "original_type": original_type,
            "resource": plaintext}},
    }


GO_CERT = """-----BEGIN CERTIFICATE-----
MIIDVzCCAj+gAwIBAgIJANfOWdH1ItcBMA0GCSqGSIb3DQEBCwUAMEIxCzAJBgNV
BAYTAlhYMRUwEwYDVQQHDAxEZWZhdWx0IENpdHkxHDAaBgNVBAoME0RlZmF1bHQg
Q29tcGFueSBMdGQwHhcNMjEwNDI3MDg1NTIzWhcNMzEwNDI1MDg1NTIzWjBCMQsw
CQYDVQQGEwJYWDEVMBMGA1UEBwwMRGVmYXVsdCBDaXR5MRwwGgYDVQQKDBNEZWZh
dWx0IENvbXBhbnkgTHRkMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA
2VCTd91fnUn73Xy9DLvt/V62TVxRTEEstVdeRaZ3B3leO0pldE806mXO4RwdHXag
HQ4vGeZN0yqm++rDsGK+U3AH7kejyD2pXshNP9Cq5YwbptiLGtjcquw4HNxJQUOm
DeJf2vg6byms9RUipiq4SzbJKqJFlUpbuIPDpSpWz10PYmyCNeDGUUK65E5h2B83
4uxl1zNLYQCrkdBzb8oUxwYeP5a2DNxmjL5lsJML7DGr5znsevnoqGRwTm9fxCGf
y8wus7hwKz6clt3Whmmda7UAdb1c08hEQFVRbF14AR73xbnd8N0obCWJPCbzMCtk
aSef4FdEEgEXJiw0VAJT8wIDAQABo1AwTjAdBgNVHQ4EFgQUT1c7nd/SUO76HSoZ
umNUJv1R5PwwHwYDVR0jBBgwFoAUT1c7nd/SUO76HSoZumNUJv1R5PwwDAYDVR0T
BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAfTjxKRQMzNB/U6ZoCUS+BSNfa2Oh
0plMN6ZuzwiVVZwg1jywvv5yv04koS7Pd4i9E4gt9ZBUQXlpq+A3oOCEEHNRR6b2
kyazGRM7s0OP5X21WrbpSmKmU6K7hkfx30yYs08LVs/Q8DIhvaj1FCFeJzUCzYn/
fHMq4tsbKO0dKAeydPM/nrUZBmaYQVKMVOORGLFjFKVO7JV6Kq/R86ouhjEPgJOe
2xulNBUcjicqtZlBdEh/PWCYP2SpGVDclKm8jeo175T3EVAkdKzzmfpxtMmnMlmq
cTJOU9TxuGvNASMtjj7pYIerTx+xgZDXEVBWFW9PjJ0TV06tCRsgSHItgg==
-----END CERTIFICATE-----
"""
GO_BODY = ('{"id":"3119dfba-e649-5eec-ab1e-3412bc4d2e17","create_time":"2021-06-24T16:37:26+08:00",'
           '"resource_type":"encrypt-resource","event_type":"PAYSCORE.USER_OPEN_SERVICE","summary":"签约成功",'
           '"resource":{"original_type":"payscore","algorithm":"AEAD_AES_256_GCM","ciphertext":'
           '"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZt'
           'tevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR'
           '7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==","associated_data":"payscore","nonce":"Kj7QIyUiYx1q"}}')
GO_SIG = ("tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXF"
          "lbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1I"
          "BLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY4"
          "06ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q==")

cases = [
    minted("minted_payment_000000000001", "TRANSACTION.SUCCESS", "transaction",
           {"mchid": "1230000109", "appid": "wxd678efh567hg6787", "out_trade_no": "1217752501201407033233368018",
            "transaction_id": "4200000000202311150000000001", "trade_type": "JSAPI", "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功", "success_time": "2023-11-15T06:13:19+08:00",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"}},
           "3KFQ8nZp0LmA", "transaction", "支付成功"),
    minted("minted_refund_no_aad_000002", "REFUND.SUCCESS", "refund",
           {"mchid": "1230000109", "out_trade_no": "1217752501201407033233368018", "out_refund_no": "R-1",
            "refund_id": "50300000002023111500000001", "refund_status": "SUCCESS",
            "amount": {"total": 100, "refund": 100, "payer_total": 100, "payer_refund": 100}},
           "Zx81Qm4Tb7Kd", None, "退款成功"),
    {
        "name": "go_sdk_signature_half",
        "source": "wechatpay-apiv3/wechatpay-go core/notify/notify_test.go, TestHandler_ParseNotifyRequest (16-byte APIv3 key: its decryption half does not apply)",
        "certs": {"D7CE59D1F522D701": GO_CERT},
        "apiv3_key": APIV3_KEY,
        "now": 1624523846,
        "headers": [["Content-Type", "application/json"], ["Wechatpay-Nonce", "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz"],
                    ["Wechatpay-Timestamp", "1624523846"], ["Wechatpay-Serial", "D7CE59D1F522D701"],
                    ["Wechatpay-Signature", GO_SIG]],
        "body": GO_BODY,
        "expect": {"code": "DECODE", "mentions": "wrong APIv3 key or tampered", "signature": "valid"},
    },
]

doc = {
    "_comment": "Generated by tests/vectors/generate_notifications.py without wxpay (AES-GCM by python3-cryptography, signatures by openssl). Each runner builds a client with tests/fixtures/merchant_key.pem plus this case's certs and apiv3_key, parses headers + body at `now`, and compares with `expect` (byte-for-byte JSON for `notification`). `signature: valid` means the case's signature verifies with the verify utility.",
    "cases": cases,
}
with open(os.path.join(HERE, "notifications.json"), "w") as f:
    json.dump(doc, f, ensure_ascii=False, indent=2)
    f.write("\n")
print("wrote tests/vectors/notifications.json")
