//! Fuzz entry points, shared by the cargo-fuzz targets in `fuzz/` and by the corpus replay test
//! (`core/tests/fuzz_corpus.rs`) that `make test` runs. Each takes arbitrary bytes, must never
//! panic, and asserts the invariants the library promises.
#![doc(hidden)]

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::keys::{PrivateKey, PublicKey};
use crate::options::RequestOptions;
use crate::sign::{SignatureHeaders, Verifier};
use crate::{client, uri, CloseOrder, Config};

// A copy of tests/fixtures/platform_pub.pem inside the crate (core/testdata/README.md).
const PLATFORM_PUB: &str = include_str!("../testdata/platform_pub.pem");
const SERIAL: &str = "PUB_KEY_ID_0112300001092026112600000000000001";

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let mut keys = HashMap::new();
        if let Ok(k) = PublicKey::from_pem(PLATFORM_PUB) {
            keys.insert(SERIAL.to_owned(), k);
        }
        Verifier::new(keys)
    })
}

/// Response verification and error-body parsing. Input: a line with the verifier's `now` (any
/// i64, so the whole range meets the skew arithmetic; anything else: the timestamp's value, or
/// `i64::MIN` when that does not parse either), four header lines (timestamp, nonce, signature,
/// serial; a line `-` means absent), then the body.
pub fn verify_response(data: &[u8]) {
    let (now_line, data) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut parts = data.splitn(5, |&b| b == b'\n');
    let mut header = || {
        parts
            .next()
            .and_then(|l| std::str::from_utf8(l).ok())
            .filter(|l| *l != "-")
    };
    let (ts, nonce, sig, serial) = (header(), header(), header(), header());
    let body = parts.next().unwrap_or_default();
    let headers = SignatureHeaders {
        timestamp: ts,
        nonce,
        signature: sig,
        serial,
    };
    let now = std::str::from_utf8(now_line)
        .ok()
        .and_then(|t| t.trim().parse::<i64>().ok())
        .or_else(|| ts.and_then(|t| t.trim().parse::<i64>().ok()))
        .unwrap_or(i64::MIN);
    if let Err(e) = verifier().verify(headers, body, now) {
        assert_eq!(e.code(), "VERIFY");
        assert!(e.verify_failure().is_some());
        assert!(
            e.message().len() < 1024,
            "unbounded message: {} bytes",
            e.message().len()
        );
    }
    // The same headers read from an HTTP header map (duplicates, non-ASCII values).
    let mut map = http::HeaderMap::new();
    for (name, value) in [
        ("wechatpay-timestamp", ts),
        ("wechatpay-serial", serial),
        ("wechatpay-serial", serial.filter(|s| s.len() % 2 == 1)),
    ] {
        if let Some(v) = value.and_then(|v| http::HeaderValue::from_str(v).ok()) {
            map.append(name, v);
        }
    }
    if let Ok(h) = SignatureHeaders::from_header_map(&map) {
        let _ = verifier().verify(h, body, now);
    }
    let api = client::parse_api_error(500, None, data);
    assert_eq!(api.body, data);
}

/// URI templates: expansion never lets a value add a path segment, a query or a fragment, and a
/// relative template never escapes the base path.
pub fn uri_template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (template, value) = text.split_once('\n').unwrap_or((text, "42"));
    let _ = uri::placeholders(template);
    let _ = uri::normalize_segment(template);
    let _ = uri::chain_template(&template.split('/').collect::<Vec<_>>());
    if let Ok(expanded) = uri::expand("v3/transactions/id/{transaction_id}/close", |_| Some(value))
    {
        let encoded = &expanded["v3/transactions/id/".len()..expanded.len() - "/close".len()];
        assert!(
            !encoded.contains(['/', '?', '#']) && encoded != "." && encoded != "..",
            "value {value:?} escaped its segment as {encoded:?}"
        );
        let base = uri::parse_base_uri("base_uri", "https://api.mch.weixin.qq.com/hk/", false)
            .expect("a valid base");
        let url = uri::resolve(&base, &expanded, false).expect("an expanded template resolves");
        assert!(url.path().starts_with("/hk/v3/transactions/id/"), "{url}");
        assert!(url.path().ends_with("/close"), "{url}");
        assert_eq!(url.query(), None);
    }
    if let Ok(expanded) = uri::expand(template, |_| Some(value)) {
        let base = uri::parse_base_uri("base_uri", "https://api.mch.weixin.qq.com/hk/", false)
            .expect("a valid base");
        if let Ok(url) = uri::resolve(&base, &expanded, false) {
            if !expanded.contains("://") {
                assert!(
                    url.path().starts_with("/hk/"),
                    "{template:?} escaped the base: {url}"
                );
            }
        }
    }
}

/// Request options and typed close options.
pub fn options(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(o) = RequestOptions::from_json(text) {
        let _ = o.check_params_against("v3/transactions/id/{transaction_id}/close");
        let _ = o.query_string();
    }
    let _ = CloseOrder::from_parts("transaction_id", "1", text);
}

/// Configuration and key parsing: never a panic, never key bytes in a message.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Config::from_json(text);
    for err in [
        PrivateKey::from_pem(text).err(),
        PublicKey::from_pem(text).err(),
    ]
    .into_iter()
    .flatten()
    {
        // A base64 line of the input (key material) must never be echoed back.
        let base64ish = |l: &&str| {
            l.len() >= 16
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        };
        for line in text.lines().map(str::trim).filter(base64ish) {
            assert!(!err.contains(line), "echoed input {line:?} in {err:?}");
        }
    }
}

/// Notifications: the header shapes, the verification of a notification, the envelope and the
/// resource decryption. Input: a first line of headers as JSON (any shape), then the body.
/// Independently of the signature (random input never verifies), the body's envelope is read
/// and its `resource` decrypted with a test APIv3 key. Every failure must be the documented
/// category: `INVALID_ARGUMENT` for headers, `VERIFY` with a reason, `DECODE` for the body.
pub fn notification(data: &[u8]) {
    use crate::aead::Apiv3Key;
    use crate::notify;
    static KEY: OnceLock<Option<Apiv3Key>> = OnceLock::new();
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(head) {
        match notify::headers_from_json(&v) {
            Ok(pairs) => match SignatureHeaders::from_pairs(
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ) {
                Ok(h) => {
                    let now = h
                        .timestamp
                        .and_then(|t| t.trim().parse::<i64>().ok())
                        .unwrap_or(0);
                    if let Err(e) = verifier().verify_notification(h, body, now) {
                        assert_eq!(e.code(), "VERIFY");
                        assert!(e.verify_failure().is_some());
                    }
                }
                Err(e) => assert_eq!(e.code(), "VERIFY"),
            },
            Err(e) => assert_eq!(e.code(), "INVALID_ARGUMENT"),
        }
    }
    let decode = |e: crate::Error| assert_eq!(e.code(), "DECODE", "{e}");
    if let Err(e) = notify::check_size(body) {
        return decode(e);
    }
    match notify::envelope(body) {
        Ok(env) => {
            let key = KEY.get_or_init(|| {
                Apiv3Key::from_config("apiv3_key", "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", None).ok()
            });
            if let Some(key) = key {
                match key.decrypt(
                    "resource",
                    &env.nonce,
                    env.associated_data.as_bytes(),
                    &env.ciphertext,
                ) {
                    Ok(plain) => {
                        if let Err(e) = notify::resource(&plain) {
                            decode(e);
                        }
                    }
                    Err(e) => decode(e),
                }
            }
        }
        Err(e) => decode(e),
    }
}
