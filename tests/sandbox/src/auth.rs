//! Authentication as WeChat Pay does it: `Accept`, `User-Agent`, and the `Authorization` signature
//! over the canonical URL as received.

use std::collections::HashMap;

use http::{HeaderMap, Method};
use serde_json::{json, Value};

use crate::*;

impl State {
    /// Check `Accept`, `User-Agent` and `Authorization` as WeChat Pay does; returns the mchid.
    pub(crate) fn authenticate(
        &self,
        method: &Method,
        target: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<String, Answer> {
        let get = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.trim().is_empty())
        };
        if get("accept").is_none() {
            return Err(error_answer(
                400,
                "INVALID_REQUEST",
                "HTTP头缺少Accept或User-Agent (the Accept header is missing)",
                None,
            ));
        }
        if get("user-agent").is_none() {
            return Err(error_answer(
                400,
                "INVALID_REQUEST",
                "HTTP头缺少Accept或User-Agent (the User-Agent header is missing)",
                None,
            ));
        }
        let sign_error = |why: &str, info: Option<Value>| {
            let mut detail = json!({"field": "authorization", "location": "header", "issue": why});
            if let Some(i) = info {
                detail["sign_information"] = i;
            }
            error_answer(
                401,
                "SIGN_ERROR",
                &format!("签名错误 (signature error: {why})"),
                Some(detail),
            )
        };
        let Some(auth) = get("authorization") else {
            return Err(sign_error("Authorization header is missing", None));
        };
        let Some(params) = auth
            .strip_prefix(wxpay::sign::AUTH_SCHEME)
            .and_then(|r| r.strip_prefix(' '))
        else {
            return Err(sign_error(
                "Authorization scheme must be WECHATPAY2-SHA256-RSA2048",
                None,
            ));
        };
        let mut fields: HashMap<&str, &str> = HashMap::new();
        for part in params.split(',') {
            let Some((k, v)) = part.trim().split_once('=') else {
                return Err(sign_error("Authorization parameters are malformed", None));
            };
            let Some(v) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
                return Err(sign_error(
                    "Authorization parameter values must be quoted",
                    None,
                ));
            };
            fields.insert(k, v);
        }
        let need = |k: &str| {
            fields
                .get(k)
                .copied()
                .ok_or_else(|| sign_error(&format!("Authorization lacks {k}"), None))
        };
        let (mchid, nonce, ts, serial, signature) = (
            need("mchid")?,
            need("nonce_str")?,
            need("timestamp")?,
            need("serial_no")?,
            need("signature")?,
        );
        let Some(merchant) = self.merchants.get(mchid) else {
            return Err(sign_error(
                &format!("mchid {mchid} is not a merchant of this sandbox"),
                None,
            ));
        };
        if let Some(expected) = &merchant.serial {
            if !serial.eq_ignore_ascii_case(expected) {
                return Err(sign_error(
                    &format!("serial_no {serial} is not the merchant certificate serial"),
                    None,
                ));
            }
        }
        let ts_num: i64 = ts
            .parse()
            .map_err(|_| sign_error("timestamp is not a number", None))?;
        if (now() - ts_num).abs() > 300 {
            return Err(sign_error(
                "timestamp is more than 5 minutes away from server time",
                None,
            ));
        }
        let message = wxpay::sign::request_message(method.as_str(), target, ts_num, nonce, body);
        if !merchant.key.verify_base64(&message, signature) {
            let shown: String = String::from_utf8_lossy(&message)
                .chars()
                .take(256)
                .collect();
            let info = json!({
                "method": method.as_str(),
                "url": target,
                "truncated_sign_message": shown,
                "sign_message_length": message.len(),
            });
            return Err(sign_error(
                "signature does not match the request",
                Some(info),
            ));
        }
        Ok(mchid.to_owned())
    }
}
