//! Closing an order: which endpoint, which order, the options the PHP SDK and Node take, and
//! what success is (`204 No Content`).

use serde_json::Value;

use crate::client::{Client, PreparedRequest};
use crate::error::{Error, ErrorKind, Result, Shown};
use crate::options::RequestOptions;
use crate::response::Response;

/// Which close-order API to call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CloseEndpoint {
    /// Hong Kong fusion wallet, legacy access point:
    /// `POST https://api.mch.weixin.qq.com/hk/v3/transactions/…/close`.
    #[default]
    HkLegacy,
    /// Its successor: `POST https://apihk.mch.weixin.qq.com/v3/global/transactions/…/close`.
    Global,
}

impl CloseEndpoint {
    /// The documented base URI of the endpoint.
    pub fn base_uri(self) -> &'static str {
        match self {
            CloseEndpoint::HkLegacy => "https://api.mch.weixin.qq.com/hk/",
            CloseEndpoint::Global => "https://apihk.mch.weixin.qq.com/",
        }
    }
}

/// The order to close: by WeChat Pay transaction id or by the merchant's `out_trade_no`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderRef {
    /// WeChat Pay's `transaction_id`.
    TransactionId(String),
    /// The merchant's `out_trade_no`.
    OutTradeNo(String),
}

/// Longest `transaction_id` / `out_trade_no` WeChat Pay issues or accepts.
pub const MAX_ORDER_ID_LEN: usize = 32;

impl OrderRef {
    /// Check the id against WeChat Pay's format: 1–32 characters of letters, digits and `_-|*@`.
    /// Anything else (a `/`, `..`, `?`, `#`, `%`, a space, non-ASCII) cannot name an order, and
    /// is refused before anything is sent.
    pub fn check(&self) -> Result<()> {
        let (name, id) = match self {
            OrderRef::TransactionId(id) => ("transaction_id", id),
            OrderRef::OutTradeNo(no) => ("out_trade_no", no),
        };
        if id.is_empty() {
            return Err(Error::invalid(format!("{name} is empty")));
        }
        if let Some(c) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "_-|*@".contains(*c)))
        {
            return Err(Error::invalid(format!(
                "{name} contains {c:?}; WeChat Pay order ids use only letters, digits and _-|*@"
            )));
        }
        if id.len() > MAX_ORDER_ID_LEN {
            return Err(Error::invalid(format!(
                "{name} is {} characters long; WeChat Pay order ids have at most {MAX_ORDER_ID_LEN}",
                id.len()
            )));
        }
        Ok(())
    }
}

/// A typed close-order call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseOrder {
    /// Which order.
    pub order: OrderRef,
    /// Which API.
    pub endpoint: CloseEndpoint,
    /// `mchid` in the body. When neither `mchid` nor `sp_mchid` is given, the client's `mchid`.
    pub mchid: Option<String>,
    /// `sub_mchid` (service-provider mode).
    pub sub_mchid: Option<String>,
    /// `sp_mchid` (service-provider mode). Defaults to the client's `mchid` when only
    /// `sub_mchid` is given.
    pub sp_mchid: Option<String>,
    /// Overrides the endpoint's documented base URI.
    pub base_uri: Option<String>,
}

impl CloseOrder {
    /// Close by WeChat Pay transaction id on the HK legacy endpoint.
    pub fn transaction_id(id: impl Into<String>) -> Self {
        CloseOrder {
            order: OrderRef::TransactionId(id.into()),
            endpoint: CloseEndpoint::default(),
            mchid: None,
            sub_mchid: None,
            sp_mchid: None,
            base_uri: None,
        }
    }

    /// Close by the merchant's `out_trade_no` on the HK legacy endpoint.
    pub fn out_trade_no(no: impl Into<String>) -> Self {
        CloseOrder {
            order: OrderRef::OutTradeNo(no.into()),
            ..CloseOrder::transaction_id(String::new())
        }
    }

    /// Build from what the bindings receive: `by` (`"transaction_id"` or `"out_trade_no"`), the
    /// id, and the options as JSON text (empty for none; see [`CloseOrder::from_value`]).
    pub fn from_parts(by: &str, id: &str, options_json: &str) -> Result<Self> {
        let order = match by {
            "transaction_id" => OrderRef::TransactionId(id.to_owned()),
            "out_trade_no" => OrderRef::OutTradeNo(id.to_owned()),
            other => {
                return Err(Error::invalid(format!(
                    "close by `{other_}`: use transaction_id or out_trade_no",
                    other_ = Shown(other)
                )))
            }
        };
        let options: Value = if options_json.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(options_json)
                .map_err(|e| Error::invalid(format!("close options are not valid JSON: {e}")))?
        };
        CloseOrder::from_value(order, &options)
    }

    /// Build from an options object, the one shape every binding passes:
    /// `{"mchid", "sub_mchid", "sp_mchid", "base_uri", "endpoint": "hk" | "global"}`, all optional.
    pub fn from_value(order: OrderRef, options: &Value) -> Result<Self> {
        order.check()?;
        let mut c = CloseOrder {
            order,
            ..CloseOrder::transaction_id(String::new())
        };
        let map = match options {
            Value::Null => return Ok(c),
            Value::Object(m) => m,
            _ => {
                return Err(Error::invalid(
                    "close options must be an object like {\"mchid\": \"…\"}",
                ))
            }
        };
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for (key, value) in map {
            // Each language's spelling: Node's camelCase too.
            let canonical = match key.as_str() {
                "subMchid" => "sub_mchid",
                "spMchid" => "sp_mchid",
                "baseUri" => "base_uri",
                other => other,
            };
            if let Some((first, _)) = seen.iter().find(|(_, c)| *c == canonical) {
                return Err(Error::invalid(format!(
                    "close options `{first}` and `{key}` are the same option; give only one"
                )));
            }
            if !value.is_null() {
                seen.push((key.as_str(), canonical));
            }
            let text = || -> Result<Option<String>> {
                match value {
                    Value::Null => Ok(None),
                    Value::String(s) if s.is_empty() => Err(Error::invalid(format!(
                        "close option `{key_}` is empty",
                        key_ = Shown(key)
                    ))),
                    Value::String(s) => Ok(Some(s.clone())),
                    Value::Number(n) if n.is_u64() => Ok(Some(n.to_string())),
                    _ => Err(Error::invalid(format!(
                        "close option `{key_}` must be a string",
                        key_ = Shown(key)
                    ))),
                }
            };
            match canonical {
                "mchid" => c.mchid = text()?,
                "sub_mchid" => c.sub_mchid = text()?,
                "sp_mchid" => c.sp_mchid = text()?,
                "base_uri" => c.base_uri = text()?,
                "endpoint" => {
                    c.endpoint = match text()?.as_deref() {
                        None | Some("hk") => CloseEndpoint::HkLegacy,
                        Some("global") => CloseEndpoint::Global,
                        Some(other) => {
                            return Err(Error::invalid(format!(
                                "close option `endpoint` is `{other_}`; use \"hk\" (api.mch.weixin.qq.com/hk/) or \"global\" (apihk.mch.weixin.qq.com/v3/global/)", other_ = Shown(other))))
                        }
                    }
                }
                other => {
                    return Err(Error::invalid(format!(
                        "unknown close option `{other_}`; known: mchid, sub_mchid (subMchid), sp_mchid (spMchid), base_uri (baseUri), endpoint", other_ = Shown(other))))
                }
            }
        }
        Ok(c)
    }

    /// What closing succeeds with: the verified answer when it is `204 No Content`, a `DECODE`
    /// error for any other 2xx.
    pub fn accept(response: Response) -> Result<Response> {
        if response.status() != 204 {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "closing an order answers 204 No Content; got HTTP {} instead",
                    response.status()
                ),
            )
            .with_response(response.status(), response.request_id().map(str::to_owned)));
        }
        Ok(response)
    }

    /// The URI template of this call.
    pub fn template(&self) -> &'static str {
        match (self.endpoint, &self.order) {
            (CloseEndpoint::HkLegacy, OrderRef::TransactionId(_)) => {
                "v3/transactions/id/{transaction_id}/close"
            }
            (CloseEndpoint::HkLegacy, OrderRef::OutTradeNo(_)) => {
                "v3/transactions/out-trade-no/{out_trade_no}/close"
            }
            (CloseEndpoint::Global, OrderRef::TransactionId(_)) => {
                "v3/global/transactions/id/{transaction_id}/close"
            }
            (CloseEndpoint::Global, OrderRef::OutTradeNo(_)) => {
                "v3/global/transactions/out-trade-no/{out_trade_no}/close"
            }
        }
    }

    /// The request options of this call for a client whose merchant id is `client_mchid`.
    pub fn options(&self, client_mchid: &str) -> RequestOptions {
        let (name, value) = match &self.order {
            OrderRef::TransactionId(id) => ("transaction_id", id),
            OrderRef::OutTradeNo(no) => ("out_trade_no", no),
        };
        let mut body = serde_json::Map::new();
        let mchid = match (&self.mchid, &self.sp_mchid) {
            (None, None) if self.sub_mchid.is_none() => Some(client_mchid.to_owned()),
            (m, _) => m.clone(),
        };
        let sp_mchid = match (&self.sp_mchid, &self.mchid, &self.sub_mchid) {
            (None, None, Some(_)) => Some(client_mchid.to_owned()),
            (sp, _, _) => sp.clone(),
        };
        for (k, v) in [
            ("mchid", mchid),
            ("sub_mchid", self.sub_mchid.clone()),
            ("sp_mchid", sp_mchid),
        ] {
            if let Some(v) = v {
                body.insert(k.to_owned(), Value::String(v));
            }
        }
        RequestOptions {
            base_uri: Some(
                self.base_uri
                    .clone()
                    .unwrap_or_else(|| self.endpoint.base_uri().to_owned()),
            ),
            params: vec![(name.to_owned(), value.clone())],
            body: Some(serde_json::to_vec(&Value::Object(body)).unwrap_or_default()),
            query: Vec::new(),
            headers: Vec::new(),
            encrypt: Vec::new(),
        }
    }
}

impl Client {
    /// Close an order. Succeeds only on `204 No Content`; returns that (verified) response.
    pub async fn close(&self, order: &CloseOrder) -> Result<Response> {
        crate::Operation::close(self, order)?.run(self).await
    }

    /// The request closing `order`, checked and ready for [`Client::execute`] (or
    /// [`Client::execute_via`]); pass the answer to [`CloseOrder::accept`].
    pub fn prepare_close(&self, order: &CloseOrder) -> Result<PreparedRequest> {
        order.order.check()?;
        let options = order.options(self.signer().mchid());
        self.prepare("POST", order.template(), &options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_options_parse_and_reject_typos() {
        let c = CloseOrder::from_value(
            OrderRef::OutTradeNo("A1".into()),
            &serde_json::json!({"sub_mchid": "2", "endpoint": "global", "base_uri": null}),
        )
        .unwrap();
        assert_eq!(
            c.template(),
            "v3/global/transactions/out-trade-no/{out_trade_no}/close"
        );
        assert_eq!(c.sub_mchid.as_deref(), Some("2"));
        // Node's camelCase spellings are the same options.
        let c = CloseOrder::from_value(
            OrderRef::TransactionId("1".into()),
            &serde_json::json!({"subMchid": "2", "spMchid": "3", "baseUri": "https://x.test/"}),
        )
        .unwrap();
        assert_eq!(
            (
                c.sub_mchid.as_deref(),
                c.sp_mchid.as_deref(),
                c.base_uri.as_deref()
            ),
            (Some("2"), Some("3"), Some("https://x.test/"))
        );
        for bad in [
            serde_json::json!({"subMchid": "2", "sub_mchid": "2"}),
            serde_json::json!({"sub_merchant": "2"}),
            serde_json::json!({"endpoint": "cn"}),
            serde_json::json!({"mchid": 1.5}),
            serde_json::json!({"mchid": ""}),
            serde_json::json!([1]),
        ] {
            let e = CloseOrder::from_value(OrderRef::TransactionId("1".into()), &bad).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{bad}");
        }
        assert!(
            CloseOrder::from_value(OrderRef::TransactionId(String::new()), &Value::Null).is_err()
        );
    }

    #[test]
    fn close_bodies() {
        let o = CloseOrder::transaction_id("1").options("100");
        assert_eq!(o.body.unwrap(), br#"{"mchid":"100"}"#);
        let mut c = CloseOrder::transaction_id("1");
        c.sub_mchid = Some("200".into());
        assert_eq!(
            c.options("100").body.unwrap(),
            br#"{"sub_mchid":"200","sp_mchid":"100"}"#
        );
        c.mchid = Some("1".into());
        c.sp_mchid = Some("3".into());
        assert_eq!(
            c.options("100").body.unwrap(),
            br#"{"mchid":"1","sub_mchid":"200","sp_mchid":"3"}"#
        );
    }
}
