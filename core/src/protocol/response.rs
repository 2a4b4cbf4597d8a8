//! What WeChat Pay answered: a verified 2xx [`Response`], or the parts of a non-2xx one.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

use crate::error::{ApiError, Error, ErrorKind, Result};

/// An answer from WeChat Pay: verified when 2xx.
#[derive(Clone, Debug)]
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    /// A typed call's result (`crate::calls::catalogue::result_json`), once accepted.
    result: Option<Value>,
}

impl Response {
    /// Build a response (used by bindings' tests and the sandbox tooling).
    pub fn new(status: u16, headers: HeaderMap, body: Bytes) -> Self {
        Response {
            status,
            headers,
            body,
            result: None,
        }
    }

    /// This response with a typed call's result attached.
    pub(crate) fn with_result(mut self, result: Value) -> Self {
        self.result = Some(result);
        self
    }

    /// A typed call's result: `status`, `request_id`, the typed fields of its catalogue entry
    /// and `raw` (the whole answer's JSON); `None` for generic requests. The same object in
    /// every language.
    pub fn result(&self) -> Option<&Value> {
        self.result.as_ref()
    }

    /// HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// All response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header's value by case-insensitive name (`None` if absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The headers as every binding shows them: one field per name (lower case, in the order
    /// first received), a name received more than once combined as RFC 9110 §5.3 says (its
    /// values in order, joined with `", "`), bytes that are not UTF-8 replaced by U+FFFD.
    pub fn header_fields(&self) -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = Vec::with_capacity(self.headers.keys_len());
        for name in self.headers.keys() {
            let value = self
                .headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()))
                .collect::<Vec<_>>()
                .join(", ");
            fields.push((name.as_str().to_owned(), value));
        }
        fields
    }

    /// The `Request-ID` header.
    pub fn request_id(&self) -> Option<&str> {
        self.header("request-id")
    }

    /// The raw body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body parsed as JSON (`null` for an empty body); `DECODE` error otherwise.
    pub fn json(&self) -> Result<Value> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("response body is not valid JSON: {e}"),
            )
            .with_response(self.status, self.request_id().map(str::to_owned))
        })
    }
}

pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("request-id")
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_owned)
}

/// Parse a non-2xx answer: `{"code","message","detail"}` plus `Request-ID`; never verified.
pub fn parse_api_error(status: u16, request_id: Option<String>, body: &[u8]) -> ApiError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut api = ApiError {
        status,
        request_id,
        body: body.to_vec(),
        ..ApiError::default()
    };
    match parsed {
        Some(Value::Object(m)) => {
            api.code = text(m.get("code"));
            api.message = text(m.get("message"));
            api.detail = m.get("detail").filter(|d| !d.is_null()).cloned();
            api.sign_information = m
                .get("sign_information")
                .or_else(|| m.get("detail").and_then(|d| d.get("sign_information")))
                .cloned();
        }
        _ => {
            let snippet: String = String::from_utf8_lossy(body).chars().take(120).collect();
            api.message = if body.is_empty() {
                "(empty body)".to_owned()
            } else {
                format!("(body is not JSON: {snippet:?})")
            };
        }
    }
    api
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_parse_json_and_garbage() {
        let e = parse_api_error(
            404,
            Some("rid".into()),
            br#"{"code":"ORDER_NOT_EXIST","message":"no","detail":{"field":"x"}}"#,
        );
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("ORDER_NOT_EXIST", "no")
        );
        assert_eq!(e.detail.unwrap()["field"], "x");
        let e = parse_api_error(502, None, b"<html>bad gateway</html>");
        assert_eq!(e.code, "");
        assert!(e.message.contains("not JSON"));
        assert_eq!(e.body, b"<html>bad gateway</html>");
    }
}
