//! Request options with the PHP SDK's keys: `base_uri`, placeholder values at top level, `json`,
//! `body`, `query`, `headers`.

use serde_json::{Map, Value};

use crate::error::{Error, Result, Shown};
use crate::uri;

/// The option keys that are not placeholder values.
pub const RESERVED_KEYS: [&str; 6] = ["base_uri", "json", "body", "query", "headers", "encrypt"];

/// Headers a caller may not set: the library owns them.
const FORBIDDEN_HEADERS: [&str; 5] = [
    "authorization",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
];

/// Longest value of a caller-given header, in bytes.
pub const MAX_HEADER_VALUE_BYTES: usize = 4096;
/// Most caller-given headers on one request.
pub const MAX_HEADERS: usize = 32;
/// Integers beyond ±2^53 cannot all be told apart once stored as a double.
const EXACT_DOUBLE_LIMIT: f64 = 9_007_199_254_740_992.0;

/// Refuse numbers in a `json` body that were not kept exactly: an integer too large for 64 bits
/// arrives as a double (`2**64` → `1.8446744073709552e19`), and an amount must never change
/// silently. Such values belong in strings.
fn check_exact_numbers(path: &mut String, v: &Value) -> Result<()> {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && (!f.is_finite() || f.abs() >= EXACT_DOUBLE_LIMIT) => {
                Err(Error::invalid(format!(
                    "option `json` at `{}` holds the number {f:e}, beyond the integers JSON numbers carry exactly (±2^53 as a double, 64-bit integers otherwise); send it as a string",
                    Shown(path)
                )))
            }
            _ => Ok(()),
        },
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_exact_numbers(path, item)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                check_exact_numbers(path, item)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Options of one request. Build it from the PHP SDK's options object with
/// [`RequestOptions::from_value`], or field by field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestOptions {
    /// Per-request base URI, overriding the client's.
    pub base_uri: Option<String>,
    /// Placeholder values (`transaction_id` → `"4200…"`), in the order given.
    pub params: Vec<(String, String)>,
    /// The request body, serialised once; the exact bytes that are signed and sent.
    pub body: Option<Vec<u8>>,
    /// Query parameters, in order (values are percent-encoded).
    pub query: Vec<(String, String)>,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// JSON pointers (RFC 6901, `/payer/name`) of `json` string fields to encrypt for WeChat
    /// Pay; the request then names the key used in `Wechatpay-Serial`.
    pub encrypt: Vec<String>,
}

pub(crate) use crate::error::type_name;

/// A scalar option value as text: strings as they are, integers in decimal.
fn scalar(what: &str, v: &Value) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        other => Err(Error::invalid(format!(
            "{what} must be a string or an integer, got {}",
            type_name(other)
        ))),
    }
}

impl RequestOptions {
    /// Parse options JSON text (see [`RequestOptions::from_value`]).
    pub fn from_json(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(RequestOptions::default());
        }
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("options are not valid JSON: {e}")))?;
        Self::from_value(&v)
    }

    /// Parse the PHP SDK's options object. `json` is serialised here, once; `body` (a string) is
    /// sent verbatim. Any other top-level key is a placeholder value; whether it matches the
    /// template is checked when the request is built.
    pub fn from_value(v: &Value) -> Result<Self> {
        let map: &Map<String, Value> = match v {
            Value::Object(m) => m,
            Value::Null => return Ok(RequestOptions::default()),
            other => {
                return Err(Error::invalid(format!(
                    "options must be an object like {{\"transaction_id\": \"…\", \"json\": {{…}}}}, got {}",
                    type_name(other)
                )))
            }
        };
        let mut o = RequestOptions::default();
        for (key, value) in map {
            match key.as_str() {
                "base_uri" => match value {
                    Value::String(s) => o.base_uri = Some(s.clone()),
                    Value::Null => {}
                    other => {
                        return Err(Error::invalid(format!(
                            "option `base_uri` must be a string URL, got {}",
                            type_name(other)
                        )))
                    }
                },
                "json" => {
                    if o.body.is_some() {
                        return Err(Error::invalid(
                            "options `json` and `body` are exclusive: give one",
                        ));
                    }
                    check_exact_numbers(&mut String::from("json"), value)?;
                    o.body = Some(serde_json::to_vec(value).map_err(|e| {
                        Error::invalid(format!("option `json` cannot be serialised: {e}"))
                    })?);
                }
                "body" => {
                    if o.body.is_some() {
                        return Err(Error::invalid(
                            "options `json` and `body` are exclusive: give one",
                        ));
                    }
                    match value {
                        Value::String(s) => o.body = Some(s.clone().into_bytes()),
                        other => {
                            return Err(Error::invalid(format!(
                                "option `body` must be a string (sent verbatim); use `json` for an object, got {}",
                                type_name(other)
                            )))
                        }
                    }
                }
                "query" => match value {
                    Value::Object(q) => {
                        for (k, v) in q {
                            o.query
                                .push((k.clone(), scalar(&format!("query parameter `{k}`"), v)?));
                        }
                    }
                    Value::Null => {}
                    other => {
                        return Err(Error::invalid(format!(
                            "option `query` must be an object of name → string/integer, got {}",
                            type_name(other)
                        )))
                    }
                },
                "headers" => match value {
                    Value::Object(h) => {
                        for (k, v) in h {
                            let Value::String(s) = v else {
                                return Err(Error::invalid(format!(
                                    "header `{k}` must be a string, got {}",
                                    type_name(v)
                                )));
                            };
                            o.headers.push((k.clone(), s.clone()));
                        }
                    }
                    Value::Null => {}
                    other => {
                        return Err(Error::invalid(format!(
                            "option `headers` must be an object of name → string, got {}",
                            type_name(other)
                        )))
                    }
                },
                "encrypt" => {
                    let bad = |got: &str| {
                        Error::invalid(format!(
                            "option `encrypt` must be a list of JSON pointers into `json`, e.g. [\"/name\", \"/payer/id_card_number\"]; got {got}"
                        ))
                    };
                    let Value::Array(items) = value else {
                        return Err(bad(type_name(value)));
                    };
                    for item in items {
                        match item {
                            Value::String(p) if p.starts_with('/') => o.encrypt.push(p.clone()),
                            Value::String(p) => {
                                return Err(bad(&format!(
                                    "`{}` (a pointer starts with `/`)",
                                    Shown(p)
                                )))
                            }
                            other => {
                                return Err(bad(&format!("an item that is {}", type_name(other))))
                            }
                        }
                    }
                }
                name => o.params.push((
                    name.to_owned(),
                    scalar(
                        &format!("placeholder `{name_}`", name_ = Shown(name)),
                        value,
                    )?,
                )),
            }
        }
        o.check_headers()?;
        if !o.encrypt.is_empty() && o.body.is_none() {
            return Err(Error::invalid(
                "option `encrypt` names fields of `json`, but no `json` was given",
            ));
        }
        Ok(o)
    }

    /// Reject headers the library owns and header names or values HTTP cannot carry.
    pub(crate) fn check_headers(&self) -> Result<()> {
        if self.headers.len() > MAX_HEADERS {
            return Err(Error::invalid(format!(
                "option `headers` has {} entries; at most {MAX_HEADERS} are sent",
                self.headers.len()
            )));
        }
        for (name, value) in &self.headers {
            if value.len() > MAX_HEADER_VALUE_BYTES {
                return Err(Error::invalid(format!(
                    "header `{}` is {} bytes long; at most {MAX_HEADER_VALUE_BYTES} are sent",
                    Shown(name),
                    value.len()
                )));
            }
            let lower = name.to_ascii_lowercase();
            if FORBIDDEN_HEADERS.contains(&lower.as_str()) {
                return Err(Error::invalid(format!(
                    "header `{name_}` is set by wxpay itself and cannot be given in `headers`",
                    name_ = Shown(name)
                )));
            }
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(Error::invalid(format!(
                    "`{name_}` is not a valid HTTP header name",
                    name_ = Shown(name)
                )));
            }
            if http::HeaderValue::from_str(value).is_err() {
                return Err(Error::invalid(format!(
                    "header `{name_}` has a value HTTP cannot carry (control characters or non-ASCII)", name_ = Shown(name))));
            }
        }
        Ok(())
    }

    /// Placeholder value by name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Check that every given placeholder is used by `template` (a typo such as `transactionId`
    /// would otherwise be silently ignored).
    pub(crate) fn check_params_against(&self, template: &str) -> Result<()> {
        let names = uri::placeholders(template)?;
        for (key, _) in &self.params {
            if !names.iter().any(|n| n == key) {
                return Err(Error::invalid(format!(
                    "option `{key_}` is neither a placeholder of `{template_}` ({}) nor a known option ({})",
                    if names.is_empty() { "it has none".to_owned() } else { names.join(", ") },
                    RESERVED_KEYS.join(", "), template_ = Shown(template), key_ = Shown(key))));
            }
        }
        Ok(())
    }

    /// The encoded query string (without `?`), or `None` when there are no parameters.
    pub(crate) fn query_string(&self) -> Option<String> {
        if self.query.is_empty() {
            return None;
        }
        Some(
            self.query
                .iter()
                .map(|(k, v)| format!("{}={}", uri::encode_component(k), uri::encode_component(v)))
                .collect::<Vec<_>>()
                .join("&"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_seed_options() {
        let o = RequestOptions::from_value(&json!({
            "base_uri": "https://api.mch.weixin.qq.com/hk/",
            "transaction_id": "1217752501201407033233368018",
            "json": {"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"}
        }))
        .unwrap();
        assert_eq!(
            o.param("transaction_id"),
            Some("1217752501201407033233368018")
        );
        assert_eq!(
            o.body.as_deref(),
            Some(
                &br#"{"mchid":"1230000109","sub_mchid":"1230000109","sp_mchid":"1230000109"}"#[..]
            )
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        let cases = [
            json!([1]),
            json!({"base_uri": 1}),
            json!({"query": [1]}),
            json!({"query": {"a": {"b": 1}}}),
            json!({"headers": {"X": 1}}),
            json!({"headers": {"Authorization": "x"}}),
            json!({"headers": {"bad name": "x"}}),
            json!({"headers": {"X": "a\nb"}}),
            json!({"json": {}, "body": "{}"}),
            json!({"body": {}}),
            json!({"transaction_id": 1.5}),
            json!({"transaction_id": null}),
        ];
        for c in cases {
            let e = RequestOptions::from_value(&c).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{c}");
        }
        assert!(RequestOptions::from_json("{")
            .unwrap_err()
            .message()
            .contains("not valid JSON"));
    }

    #[test]
    fn unknown_params_are_named() {
        let o = RequestOptions::from_value(&json!({"transactionId": "1"})).unwrap();
        let e = o
            .check_params_against("v3/transactions/id/{transaction_id}/close")
            .unwrap_err();
        assert!(e.message().contains("transactionId") && e.message().contains("transaction_id"));
    }

    #[test]
    fn query_is_encoded_in_order() {
        let o =
            RequestOptions::from_value(&json!({"query": {"mchid": "12", "b": "x y/z", "n": 5}}))
                .unwrap();
        assert_eq!(o.query_string().unwrap(), "mchid=12&b=x%20y%2Fz&n=5");
    }
}
