//! The WeChat Pay APIs the sandbox plays: close an order (HK legacy and Global, by transaction id
//! or out_trade_no) and query it.

use std::collections::HashMap;

use http::Method;
use serde_json::{json, Value};

use crate::*;

pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl State {
    pub(crate) fn route(&self, mchid: &str, method: &Method, target: &str, body: &[u8]) -> Answer {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        // Strip the access-point prefix: /hk/v3/transactions/…, /v3/global/transactions/…,
        // /v3/pay/transactions/… (domestic) and /v3/pay/partner/transactions/….
        let rest: &[&str] = match segs.as_slice() {
            ["hk", "v3", "transactions", rest @ ..] => rest,
            ["v3", "global", "transactions", rest @ ..] => rest,
            ["v3", "pay", "transactions", rest @ ..] => rest,
            ["v3", "pay", "partner", "transactions", rest @ ..] => rest,
            ["v3", "transactions", rest @ ..] => rest,
            _ => &[],
        };
        match (method, rest) {
            (&Method::POST, ["id" | "out-trade-no", id, "close"]) => {
                self.close(mchid, &percent_decode(id), body)
            }
            (&Method::GET, [kind @ ("id" | "out-trade-no"), id]) => {
                let id = percent_decode(id);
                self.query(mchid, kind, &id, query)
            }
            _ => error_answer(
                404,
                "NOT_FOUND",
                &format!("sandbox has no API at {} {path}", method.as_str()),
                None,
            ),
        }
    }

    pub(crate) fn close(&self, mchid: &str, id: &str, body: &[u8]) -> Answer {
        let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
            return error_answer(
                400,
                "PARAM_ERROR",
                "请求体不是合法的JSON (body is not a JSON object)",
                Some(json!({"location": "body"})),
            );
        };
        let text = |k: &str| b.get(k).and_then(Value::as_str);
        let payer = match (text("mchid"), text("sp_mchid")) {
            (Some(m), _) => m,
            (None, Some(sp)) => sp,
            (None, None) => {
                return error_answer(
                    400,
                    "PARAM_ERROR",
                    "缺少参数mchid (mchid or sp_mchid is required)",
                    Some(json!({"field": "mchid", "location": "body", "issue": "missing"})),
                )
            }
        };
        if payer != mchid && text("sp_mchid") != Some(mchid) {
            return error_answer(403, "NO_AUTH", &format!("商户号{payer}与签名商户号{mchid}不匹配 (body mchid does not match the signing merchant)"), None);
        }
        let Ok(mut m) = self.m.lock() else {
            return error_answer(500, "SYSTEM_ERROR", "sandbox state lock poisoned", None);
        };
        let state = match self.order_state(&m.orders, id) {
            Ok(s) => s,
            Err(answer) => return answer,
        };
        match state.as_str() {
            "SUCCESS" | "REFUND" => error_answer(
                400,
                "ORDERPAID",
                "订单已支付 (order already paid; refund it instead)",
                None,
            ),
            _ => {
                m.orders.insert(id.to_owned(), "CLOSED".to_owned());
                Answer {
                    status: 204,
                    body: Vec::new(),
                }
            }
        }
    }

    /// An order's state: as seeded or left by a close; unknown orders are `NOTPAY`, or
    /// 404 `ORDER_NOT_EXIST` with `--strict`.
    pub(crate) fn order_state(
        &self,
        orders: &HashMap<String, String>,
        id: &str,
    ) -> Result<String, Answer> {
        match orders.get(id) {
            Some(s) => Ok(s.clone()),
            None if self.strict => Err(error_answer(
                404,
                "ORDER_NOT_EXIST",
                "订单不存在 (order does not exist)",
                None,
            )),
            None => Ok("NOTPAY".to_owned()),
        }
    }

    pub(crate) fn query(&self, mchid: &str, kind: &str, id: &str, query: &str) -> Answer {
        if !query
            .split('&')
            .any(|kv| kv == format!("mchid={mchid}") || kv.starts_with("sp_mchid="))
        {
            return error_answer(
                400,
                "PARAM_ERROR",
                "缺少参数mchid (query parameter mchid is required)",
                Some(json!({"field": "mchid", "location": "query", "issue": "missing"})),
            );
        }
        let Ok(m) = self.m.lock() else {
            return error_answer(500, "SYSTEM_ERROR", "sandbox state lock poisoned", None);
        };
        let state = match self.order_state(&m.orders, id) {
            Ok(s) => s,
            Err(answer) => return answer,
        };
        let id_field = if kind == "id" {
            "transaction_id"
        } else {
            "out_trade_no"
        };
        let body = json!({"mchid": mchid, id_field: id, "trade_state": state});
        Answer {
            status: 200,
            body: serde_json::to_vec(&body).unwrap_or_default(),
        }
    }
}
