#!/usr/bin/env python3
"""Regenerate signing.json and verification.json with `openssl`, independently of wxpay's code.

The expected URL, canonical URL and body of each request vector are written out by hand here
(from the protocol rules in DESIGN.md), and signatures come from `openssl dgst -sha256 -sign`
with the TEST-ONLY keys in tests/fixtures. Every language's tests feed the `template` and
`options` of a vector to wxpay with the fixed timestamp and nonce and must produce these exact
bytes. Run: python3 tests/vectors/generate.py
"""
import base64
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures")


def sign(key, message):
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", os.path.join(FIX, key)],
        input=message, capture_output=True, check=True,
    ).stdout
    return base64.b64encode(out).decode()


MCHID = "1230000109"
SERIAL = "3775B6A45ACD588826D15E583A95F5DD00000001"
PUB_KEY_ID = "PUB_KEY_ID_0112300001092026112600000000000001"
TS = 1700000000
NONCE = "593BEC0C930BF1AFEB40B4A08C8FB242"

requests = [
    {
        "name": "hk_close_seed",
        "method": "POST",
        "template": "v3/transactions/id/{transaction_id}/close",
        "options": {
            "base_uri": "https://api.mch.weixin.qq.com/hk/",
            "transaction_id": "1217752501201407033233368018",
            "json": {"mchid": MCHID, "sub_mchid": MCHID, "sp_mchid": MCHID},
        },
        "url": "https://api.mch.weixin.qq.com/hk/v3/transactions/id/1217752501201407033233368018/close",
        "canonical_url": "/hk/v3/transactions/id/1217752501201407033233368018/close",
        "body": '{"mchid":"1230000109","sub_mchid":"1230000109","sp_mchid":"1230000109"}',
    },
    {
        "name": "global_close",
        "method": "POST",
        "template": "https://apihk.mch.weixin.qq.com/v3/global/transactions/id/{transaction_id}/close",
        "options": {"transaction_id": "4200000000202611260000000001", "json": {"mchid": MCHID}},
        "url": "https://apihk.mch.weixin.qq.com/v3/global/transactions/id/4200000000202611260000000001/close",
        "canonical_url": "/v3/global/transactions/id/4200000000202611260000000001/close",
        "body": '{"mchid":"1230000109"}',
    },
    {
        "name": "get_with_query",
        "method": "GET",
        "template": "v3/pay/transactions/id/{transaction_id}",
        "options": {"transaction_id": "4200000000202611260000000001", "query": {"mchid": MCHID}},
        "url": "https://api.mch.weixin.qq.com/v3/pay/transactions/id/4200000000202611260000000001?mchid=1230000109",
        "canonical_url": "/v3/pay/transactions/id/4200000000202611260000000001?mchid=1230000109",
        "body": "",
    },
    {
        "name": "value_encoded_as_one_segment",
        "method": "POST",
        "template": "v3/transactions/out-trade-no/{out_trade_no}/close",
        "options": {
            "base_uri": "https://api.mch.weixin.qq.com/hk/",
            "out_trade_no": "Ab/../c d?#%订",
            "json": {"mchid": MCHID},
        },
        "url": "https://api.mch.weixin.qq.com/hk/v3/transactions/out-trade-no/Ab%2F..%2Fc%20d%3F%23%25%E8%AE%A2/close",
        "canonical_url": "/hk/v3/transactions/out-trade-no/Ab%2F..%2Fc%20d%3F%23%25%E8%AE%A2/close",
        "body": '{"mchid":"1230000109"}',
    },
    {
        "name": "verbatim_utf8_body",
        "method": "POST",
        "template": "v3/pay/transactions/native",
        "options": {"body": '{"description":"Image形象店-深圳腾大-QQ公仔","amount":{"total":1}}'},
        "url": "https://api.mch.weixin.qq.com/v3/pay/transactions/native",
        "canonical_url": "/v3/pay/transactions/native",
        "body": '{"description":"Image形象店-深圳腾大-QQ公仔","amount":{"total":1}}',
    },
]

for v in requests:
    message = f"{v['method']}\n{v['canonical_url']}\n{TS}\n{NONCE}\n{v['body']}\n"
    v["timestamp"] = TS
    v["nonce"] = NONCE
    v["message"] = message
    v["signature"] = sign("merchant_key.pem", message.encode())
    v["authorization"] = (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{MCHID}",nonce_str="{NONCE}",'
        f'timestamp="{TS}",serial_no="{SERIAL}",signature="{v["signature"]}"'
    )

# Typed calls of the catalogue: the call's name and arguments in, the exact request out (the URL
# and body below are written from the endpoint tables of PROTOCOL-PAYMENT-DAY.md, not by wxpay).
# Every language feeds `call` and `args` to its dry run of the generic entry.
TX = "4200000000202611260000000001"
OUT = "shop-20261126-1"
SUB = "1900000109"
calls = [
    {
        "name": "close_transaction_hk",
        "call": "close_transaction",
        "args": {"transaction_id": TX},
        "method": "POST",
        "url": f"https://api.mch.weixin.qq.com/hk/v3/transactions/id/{TX}/close",
        "body": '{"mchid":"1230000109"}',
    },
    {
        "name": "close_transaction_global_institution",
        "call": "close_transaction",
        "args": {"transaction_id": TX, "endpoint": "global", "sub_mchid": SUB},
        "method": "POST",
        "url": f"https://apihk.mch.weixin.qq.com/v3/global/transactions/id/{TX}/close",
        "body": '{"sub_mchid":"1900000109","sp_mchid":"1230000109"}',
    },
    {
        "name": "close_out_trade_no_mainland",
        "call": "close_out_trade_no",
        "args": {"out_trade_no": OUT, "endpoint": "mainland"},
        "method": "POST",
        "url": f"https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/{OUT}/close",
        "body": '{"mchid":"1230000109"}',
    },
    {
        "name": "close_out_trade_no_partner",
        "call": "close_out_trade_no",
        "args": {"outTradeNo": OUT, "endpoint": "mainland", "subMchid": SUB},
        "method": "POST",
        "url": f"https://api.mch.weixin.qq.com/v3/pay/partner/transactions/out-trade-no/{OUT}/close",
        "body": '{"sp_mchid":"1230000109","sub_mchid":"1900000109"}',
    },
    {
        "name": "query_transaction_global",
        "call": "query_transaction",
        "args": {"transaction_id": TX, "endpoint": "global"},
        "method": "GET",
        "url": f"https://apihk.mch.weixin.qq.com/v3/global/transactions/id/{TX}?mchid=1230000109",
        "body": "",
    },
    {
        "name": "query_out_trade_no_partner",
        "call": "query_out_trade_no",
        "args": {"out_trade_no": OUT, "sub_mchid": SUB},
        "method": "GET",
        "url": f"https://api.mch.weixin.qq.com/v3/pay/partner/transactions/out-trade-no/{OUT}?sp_mchid=1230000109&sub_mchid=1900000109",
        "body": "",
    },
    {
        "name": "create_jsapi_mainland",
        "call": "create_jsapi",
        "args": {"endpoint": "mainland", "appid": "wxd678efh567hg6787", "out_trade_no": OUT,
                 "description": "Image形象店-深圳腾大-QQ公仔", "amount": 1, "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                 "notify_url": "https://shop.example/wxpay/notify"},
        "method": "POST",
        "url": "https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi",
        "body": '{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"shop-20261126-1",'
                '"description":"Image形象店-深圳腾大-QQ公仔","amount":{"total":1},'
                '"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"notify_url":"https://shop.example/wxpay/notify"}',
    },
    {
        "name": "create_native_hk",
        "call": "create_native",
        "args": {"endpoint": "hk", "appid": "wxd678efh567hg6787", "out_trade_no": OUT, "description": "Coffee",
                 "amount": 2800, "currency": "HKD", "merchant_category_code": "5812",
                 "notify_url": "https://shop.example/wxpay/notify"},
        "method": "POST",
        "url": "https://api.mch.weixin.qq.com/hk/v3/transactions/native",
        "body": '{"appid":"wxd678efh567hg6787","mchid":"1230000109","trade_type":"NATIVE","out_trade_no":"shop-20261126-1",'
                '"description":"Coffee","amount":{"total":2800,"currency":"HKD"},"merchant_category_code":"5812",'
                '"notify_url":"https://shop.example/wxpay/notify"}',
    },
    {
        "name": "create_micropay_global",
        "call": "create_micropay",
        "args": {"endpoint": "global", "appid": "wxd678efh567hg6787", "out_trade_no": OUT, "description": "Coffee",
                 "amount": 2800, "currency": "HKD", "merchant_category_code": "5812",
                 "auth_code": "134567890123456789"},
        "method": "POST",
        "url": "https://apihk.mch.weixin.qq.com/v3/global/micropay/transactions/pay",
        "body": '{"appid":"wxd678efh567hg6787","mchid":"1230000109","trade_type":"MICROPAY","out_trade_no":"shop-20261126-1",'
                '"description":"Coffee","amount":{"total":2800,"currency":"HKD"},"merchant_category_code":"5812",'
                '"payer":{"auth_code":"134567890123456789"}}',
    },
    {
        "name": "create_refund_mainland_partner",
        "call": "create_refund",
        "args": {"endpoint": "mainland", "sub_mchid": SUB, "out_refund_no": "refund-1", "transaction_id": TX,
                 "refund": 50, "total": 100},
        "method": "POST",
        "url": "https://api.mch.weixin.qq.com/v3/refund/domestic/refunds",
        "body": '{"sub_mchid":"1900000109","out_refund_no":"refund-1","transaction_id":"4200000000202611260000000001",'
                '"amount":{"refund":50,"total":100,"currency":"CNY"}}',
    },
    {
        "name": "list_refunds_hk",
        "call": "list_refunds",
        "args": {"endpoint": "hk", "transaction_id": TX, "offset": 0, "count": 20},
        "method": "GET",
        "url": f"https://api.mch.weixin.qq.com/hk/v3/refunds?mchid=1230000109&transaction_id={TX}&offset=0&count=20",
        "body": "",
    },
]
for v in calls:
    canonical = v["url"].split("://", 1)[1]
    canonical = canonical[canonical.index("/"):]
    message = f"{v['method']}\n{canonical}\n{TS}\n{NONCE}\n{v['body']}\n"
    v["canonical_url"] = canonical
    v["timestamp"] = TS
    v["nonce"] = NONCE
    v["signature"] = sign("merchant_key.pem", message.encode())
    v["authorization"] = (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{MCHID}",nonce_str="{NONCE}",'
        f'timestamp="{TS}",serial_no="{SERIAL}",signature="{v["signature"]}"'
    )

# Payment parameters for the front end (JSAPI / mini program and APP), signed with openssl over
# the messages WeChat Pay documents: JSAPI `appId\ntimeStamp\nnonceStr\npackage\n`, APP
# `appid\ntimestamp\nnoncestr\nprepayid\n`. The command for each is
#   printf '%s' "$message" | openssl dgst -sha256 -sign tests/fixtures/merchant_key.pem | base64 -w0
APPID = "wxd678efh567hg6787"
PREPAY = "wx201410272009395522657a690389285100"
pay_params = []
for name, kind, args, expect in [
    ("jsapi", "jsapi", {"appid": APPID, "prepay_id": PREPAY, "timestamp": TS, "nonce": NONCE},
     {"appId": APPID, "timeStamp": str(TS), "nonceStr": NONCE, "package": f"prepay_id={PREPAY}", "signType": "RSA"}),
    ("miniprogram_camel_case", "miniprogram", {"appId": APPID, "prepayId": PREPAY, "timeStamp": str(TS), "nonceStr": NONCE},
     {"appId": APPID, "timeStamp": str(TS), "nonceStr": NONCE, "package": f"prepay_id={PREPAY}", "signType": "RSA"}),
    ("app_merchant", "app", {"appid": APPID, "prepay_id": PREPAY, "timestamp": TS, "nonce": NONCE},
     {"appid": APPID, "partnerid": MCHID, "prepayid": PREPAY, "package": "Sign=WXPay", "noncestr": NONCE, "timestamp": str(TS)}),
    ("app_sub_merchant", "app", {"appid": APPID, "prepay_id": PREPAY, "partnerid": "1900000109", "timestamp": TS, "nonce": NONCE},
     {"appid": APPID, "partnerid": "1900000109", "prepayid": PREPAY, "package": "Sign=WXPay", "noncestr": NONCE, "timestamp": str(TS)}),
]:
    if "appId" in expect:
        message = f"{expect['appId']}\n{expect['timeStamp']}\n{expect['nonceStr']}\n{expect['package']}\n"
        expect["paySign"] = sign("merchant_key.pem", message.encode())
    else:
        message = f"{expect['appid']}\n{expect['timestamp']}\n{expect['noncestr']}\n{expect['prepayid']}\n"
        expect["sign"] = sign("merchant_key.pem", message.encode())
    pay_params.append({"name": name, "kind": kind, "args": args, "message": message, "expect": expect})

signing = {
    "_comment": "Generated by tests/vectors/generate.py with openssl; TEST-ONLY keys from tests/fixtures.",
    "config": {
        "mchid": MCHID,
        "serial": SERIAL,
        "private_key": "file://../fixtures/merchant_key.pem",
        "certs": {PUB_KEY_ID: "file://../fixtures/platform_pub.pem"},
    },
    "requests": requests,
    "calls": calls,
    "pay_params": pay_params,
}

RESP_TS = "1700000000"
RESP_NONCE = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
good_body = '{"mchid":"1230000109","transaction_id":"42","trade_state":"CLOSED"}'
good_sig = sign("platform_key.pem", f"{RESP_TS}\n{RESP_NONCE}\n{good_body}\n".encode())
no_content_sig = sign("platform_key.pem", f"{RESP_TS}\n{RESP_NONCE}\n\n".encode())
other_sig = sign("other_key.pem", f"{RESP_TS}\n{RESP_NONCE}\n{good_body}\n".encode())


def case(name, expect, body=good_body, sig=good_sig, ts=RESP_TS, nonce=RESP_NONCE, serial=PUB_KEY_ID, now=1700000000):
    return {"name": name, "expect": expect, "timestamp": ts, "nonce": nonce, "signature": sig,
            "serial": serial, "body": body, "now": now}


verification = {
    "_comment": "Generated by tests/vectors/generate.py with openssl; the verifying key is tests/fixtures/platform_pub.pem under serial PUB_KEY_ID_….",
    "serial": PUB_KEY_ID,
    "public_key": "file://../fixtures/platform_pub.pem",
    "cases": [
        case("valid_200", "ok"),
        case("valid_204_empty_body", "ok", body="", sig=no_content_sig),
        case("valid_at_plus_300s", "ok", now=1700000300),
        case("valid_at_minus_300s", "ok", now=1699999700),
        case("tampered_body", "BAD_SIGNATURE", body=good_body.replace("CLOSED", "SUCCESS")),
        case("signed_by_other_key", "BAD_SIGNATURE", sig=other_sig),
        case("signtest_probe", "SIGNTEST", sig="WECHATPAY/SIGNTEST/" + good_sig),
        case("unknown_serial", "UNKNOWN_SERIAL", serial="PUB_KEY_ID_0000000000000000000000000000UNKNOWN"),
        case("stale_timestamp", "TIMESTAMP_SKEW", now=1700000301),
        case("future_timestamp", "TIMESTAMP_SKEW", now=1699999699),
        case("missing_signature", "MISSING_HEADERS", sig=None),
        case("missing_serial", "MISSING_HEADERS", serial=None),
        case("timestamp_not_a_number", "MALFORMED_HEADERS", ts="17e8"),
    ],
}

with open(os.path.join(HERE, "signing.json"), "w") as f:
    json.dump(signing, f, indent=2, ensure_ascii=False)
    f.write("\n")
with open(os.path.join(HERE, "verification.json"), "w") as f:
    json.dump(verification, f, indent=2, ensure_ascii=False)
    f.write("\n")
print("wrote signing.json and verification.json")
