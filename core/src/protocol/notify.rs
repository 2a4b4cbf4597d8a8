//! Notifications (callbacks): WeChat Pay's signed `POST` to the merchant's `notify_url`.
//!
//! [`Client::parse_notification`](crate::Client::parse_notification) takes the received
//! headers and the **raw body bytes**, verifies them exactly as answers are verified (the same
//! keys, window and message; a `WECHATPAY/SIGNTEST/` probe is `SIGNTEST`), and only then
//! decrypts `resource` with the APIv3 key. [`Answer`] is what the merchant sends back.

use serde_json::{json, Map, Value};

use crate::error::{quote, Error, ErrorKind, Result};

/// Largest notification body accepted, in bytes. WeChat Pay's are a few KiB; anything larger is
/// refused before any work is done on it.
pub const MAX_NOTIFICATION_BYTES: usize = 1024 * 1024;
/// The only algorithm WeChat Pay encrypts resources with.
pub const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// A verified, decrypted notification: the envelope and the plaintext resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    /// The notification's id (the same for every delivery of it: deduplicate on it).
    pub id: String,
    /// When WeChat Pay created it (RFC 3339 text, as sent).
    pub create_time: Option<String>,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, …
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: Option<String>,
    /// A short human text ("支付成功").
    pub summary: Option<String>,
    /// `transaction`, `refund`, … (from `resource.original_type`).
    pub original_type: Option<String>,
    /// The decrypted resource.
    pub resource: Value,
}

impl Notification {
    /// As JSON, the shape every language exposes: `id`, `create_time`, `event_type`,
    /// `resource_type`, `summary`, `original_type`, `resource`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "create_time": self.create_time,
            "event_type": self.event_type,
            "resource_type": self.resource_type,
            "summary": self.summary,
            "original_type": self.original_type,
            "resource": self.resource,
        })
    }
}

fn decode(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Decode, message)
}

/// Refuse a body over [`MAX_NOTIFICATION_BYTES`] before verifying it.
pub(crate) fn check_size(body: &[u8]) -> Result<()> {
    if body.len() > MAX_NOTIFICATION_BYTES {
        return Err(decode(format!(
            "the notification body is {} bytes; WeChat Pay's are a few KiB (limit {MAX_NOTIFICATION_BYTES}), so it is refused unread",
            body.len()
        )));
    }
    Ok(())
}

/// The envelope of a verified body, and the `resource` fields to decrypt:
/// (notification without resource, nonce, associated data, ciphertext).
pub(crate) struct Envelope {
    pub(crate) notification: Notification,
    pub(crate) nonce: String,
    pub(crate) associated_data: String,
    pub(crate) ciphertext: String,
}

/// Read the envelope of a verified body. Every mismatch with the protocol is a `DECODE` error
/// naming the field.
pub(crate) fn envelope(body: &[u8]) -> Result<Envelope> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        if std::str::from_utf8(body).is_err() {
            decode("the notification body is not UTF-8 text; WeChat Pay sends JSON")
        } else {
            decode(format!("the notification body is not JSON ({e})"))
        }
    })?;
    let Value::Object(top) = &v else {
        return Err(decode(format!(
            "the notification body is {}, not a JSON object",
            crate::error::type_name(&v)
        )));
    };
    let text =
        |m: &Map<String, Value>, path: &str, key: &str, required: bool| -> Result<Option<String>> {
            match m.get(key) {
                Some(Value::String(s)) => Ok(Some(s.clone())),
                None | Some(Value::Null) if !required => Ok(None),
                None | Some(Value::Null) => {
                    Err(decode(format!("the notification has no `{path}`")))
                }
                Some(other) => Err(decode(format!(
                    "the notification's `{path}` is {}, not a string",
                    crate::error::type_name(other)
                ))),
            }
        };
    let resource = match top.get("resource") {
        Some(Value::Object(r)) => r,
        None | Some(Value::Null) => return Err(decode("the notification has no `resource`")),
        Some(other) => {
            return Err(decode(format!(
                "the notification's `resource` is {}, not an object",
                crate::error::type_name(other)
            )))
        }
    };
    let algorithm = text(resource, "resource.algorithm", "algorithm", true)?.unwrap_or_default();
    if algorithm != ALGORITHM {
        return Err(decode(format!(
            "the notification's `resource.algorithm` is `{}`; wxpay decrypts {ALGORITHM}, the only algorithm WeChat Pay uses",
            quote(&algorithm)
        )));
    }
    Ok(Envelope {
        notification: Notification {
            id: text(top, "id", "id", true)?.unwrap_or_default(),
            create_time: text(top, "create_time", "create_time", false)?,
            event_type: text(top, "event_type", "event_type", true)?.unwrap_or_default(),
            resource_type: text(top, "resource_type", "resource_type", false)?,
            summary: text(top, "summary", "summary", false)?,
            original_type: text(resource, "resource.original_type", "original_type", false)?,
            resource: Value::Null,
        },
        nonce: text(resource, "resource.nonce", "nonce", true)?.unwrap_or_default(),
        associated_data: text(
            resource,
            "resource.associated_data",
            "associated_data",
            false,
        )?
        .unwrap_or_default(),
        ciphertext: text(resource, "resource.ciphertext", "ciphertext", true)?.unwrap_or_default(),
    })
}

/// The decrypted resource as JSON.
pub(crate) fn resource(plaintext: &[u8]) -> Result<Value> {
    let text = std::str::from_utf8(plaintext).map_err(|_| {
        decode("the decrypted `resource` is not UTF-8 text; WeChat Pay encrypts JSON")
    })?;
    serde_json::from_str(text)
        .map_err(|e| decode(format!("the decrypted `resource` is not JSON ({e})")))
}

/// Verify and decrypt a notification (what [`crate::Client::parse_notification`] does, without
/// a client): the signature with `verifier` at `now`, then the envelope and `resource` with
/// `key`. `auto`: an unknown serial marks the next call of the client to download first.
pub(crate) fn parse<'a, I, N, V>(
    verifier: &crate::sign::Verifier,
    key: Option<&crate::aead::Apiv3Key>,
    auto: &crate::protocol::platform_keys::AutoCertificates,
    headers: I,
    body: &[u8],
    now: i64,
) -> Result<Notification>
where
    I: IntoIterator<Item = (&'a N, &'a V)>,
    N: AsRef<str> + ?Sized + 'a,
    V: AsRef<str> + ?Sized + 'a,
{
    let key = key.ok_or_else(|| {
        Error::config("decrypting notifications needs `apiv3_key` in the configuration (the 32-character APIv3 key set under API security in the merchant platform)")
    })?;
    check_size(body)?;
    let signature = crate::sign::SignatureHeaders::from_pairs(headers)?;
    verifier
        .verify_notification(signature, body, now)
        .map_err(|e| match e.verify_failure() {
            // Parsing does no I/O: with auto_certificates, the next call downloads first,
            // and WeChat Pay's redelivery (after the failure answer) verifies.
            Some(crate::VerifyFailure::UnknownSerial) if auto.want_refresh() => Error::verify(
                crate::VerifyFailure::UnknownSerial,
                format!("{}; the platform certificates are downloaded before this client's next call, and WeChat Pay redelivers the notification after the failure answer", e.message()),
            ),
            _ => e,
        })?;
    let envelope = envelope(body)?;
    let plain = key.decrypt(
        "resource",
        &envelope.nonce,
        envelope.associated_data.as_bytes(),
        &envelope.ciphertext,
    )?;
    Ok(Notification {
        resource: resource(&plain)?,
        ..envelope.notification
    })
}

/// Headers as a web framework hands them over, in any of the shapes the languages have: an
/// object of name → value or name → list of values (Node's `req.headers`, PSR-7's
/// `getHeaders()`), or a list of `[name, value]` pairs. Names in any case.
pub fn headers_from_json(v: &Value) -> Result<Vec<(String, String)>> {
    let bad = |what: String| {
        Error::invalid(format!("notification headers: {what}; give an object of name → value (or list of values), or a list of [name, value] pairs"))
    };
    let value = |name: &str, v: &Value| -> Result<String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(bad(format!(
                "the value of `{}` is {}",
                quote(name),
                crate::error::type_name(other)
            ))),
        }
    };
    let mut out = Vec::new();
    match v {
        Value::Object(m) => {
            for (name, v) in m {
                match v {
                    Value::Array(values) => {
                        for v in values {
                            out.push((name.clone(), value(name, v)?));
                        }
                    }
                    Value::Null => {}
                    v => out.push((name.clone(), value(name, v)?)),
                }
            }
        }
        Value::Array(pairs) => {
            for pair in pairs {
                match pair.as_array().map(Vec::as_slice) {
                    Some([Value::String(name), v]) => out.push((name.clone(), value(name, v)?)),
                    _ => return Err(bad("an item of the list is not a [name, value] pair".into())),
                }
            }
        }
        other => return Err(bad(format!("got {}", crate::error::type_name(other)))),
    }
    Ok(out)
}

/// What the merchant answers WeChat Pay: `204` with no body when the notification was taken,
/// else a 4xx/5xx with `{"code":"FAIL","message":…}` (WeChat Pay then delivers it again, over
/// about 24 hours). The status decides: a `200` with a `FAIL` body counts as received.
///
/// For a failed [`parse`](crate::Client::parse_notification): `401` for `VERIFY` (a
/// `WECHATPAY/SIGNTEST/` probe included: a probe must not be processed, and the failure answer
/// costs at most one redelivery, correctly signed), `400` for `DECODE` and `INVALID_ARGUMENT`,
/// `500` for the rest (a missing `apiv3_key` included: fix it and the retry succeeds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `application/json` when there is a body.
    pub content_type: Option<&'static str>,
    /// The body (empty for success).
    pub body: String,
}

/// Longest `message` WeChat Pay takes in a failure answer, in characters.
pub const MAX_ANSWER_MESSAGE_CHARS: usize = 64;

impl Answer {
    /// The notification was taken: `204`, no body.
    pub fn success() -> Answer {
        Answer {
            status: 204,
            content_type: None,
            body: String::new(),
        }
    }

    /// The notification was not taken: `status` (4xx/5xx; anything else becomes 500) and
    /// `message` (cut to 64 characters; empty becomes "failed").
    pub fn failure(status: u16, message: &str) -> Answer {
        let status = if (400..600).contains(&status) {
            status
        } else {
            500
        };
        let mut message: String = message.chars().take(MAX_ANSWER_MESSAGE_CHARS).collect();
        if message.trim().is_empty() {
            message = "failed".to_owned();
        }
        Answer {
            status,
            content_type: Some("application/json"),
            body: json!({"code": "FAIL", "message": message}).to_string(),
        }
    }

    /// The failure answer for an error of [`parse`](crate::Client::parse_notification). The
    /// message names the category only: details stay in the merchant's logs.
    pub fn for_error(e: &Error) -> Answer {
        Answer::for_kind(e.kind())
    }

    /// The answer for an outcome given by its error code (`None`: success), as the bindings
    /// have it (`err.code`); an unknown code answers 500.
    pub fn for_code(code: Option<&str>) -> Answer {
        match code {
            None => Answer::success(),
            Some(code) => ErrorKind::from_code(code).map_or_else(
                || Answer::failure(500, "notification could not be handled"),
                Answer::for_kind,
            ),
        }
    }

    fn for_kind(kind: ErrorKind) -> Answer {
        match kind {
            ErrorKind::Verify => Answer::failure(401, "signature verification failed"),
            ErrorKind::Decode | ErrorKind::InvalidArgument => {
                Answer::failure(400, "notification could not be read")
            }
            _ => Answer::failure(500, "notification could not be handled"),
        }
    }

    /// As JSON: `status`, `headers` (`[name, value]` pairs), `body`.
    pub fn to_json(&self) -> Value {
        let headers: Vec<Value> = self
            .content_type
            .map(|t| json!(["Content-Type", t]))
            .into_iter()
            .collect();
        json!({"status": self.status, "headers": headers, "body": self.body})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(
            Answer::success().to_json(),
            json!({"status": 204, "headers": [], "body": ""})
        );
        let a = Answer::failure(200, &"x".repeat(100));
        assert_eq!(a.status, 500);
        let body: Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(body["code"], "FAIL");
        assert_eq!(body["message"].as_str().unwrap().chars().count(), 64);
        let e = Error::verify(crate::VerifyFailure::Signtest, "probe");
        assert_eq!(Answer::for_error(&e).status, 401);
    }

    #[test]
    fn header_shapes() {
        let pairs =
            headers_from_json(&json!({"wechatpay-serial": ["A"], "x": "1", "n": null})).unwrap();
        let want = [("wechatpay-serial", "A"), ("x", "1")];
        assert_eq!(
            pairs,
            want.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec()
        );
        assert!(headers_from_json(&json!([["a", "b"], ["c"]])).is_err());
        assert!(headers_from_json(&json!("x")).is_err());
        assert!(headers_from_json(&json!({"a": {"b": 1}})).is_err());
    }
}
