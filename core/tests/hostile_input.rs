//! Hostile or careless input that never reaches a server: each is refused with an error that
//! names it, quotes it only in bounded form, and never hangs or panics.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use wxpay::keys::PrivateKey;
use wxpay::sign::RandomNonce;
use wxpay::sign::{response_message, SignatureHeaders};
use wxpay::{Client, Config, FixedClock, RequestOptions};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures"))
}

fn config(certs: serde_json::Value) -> Config {
    let v = json!({
        "mchid": "1230000109",
        "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
        "private_key": "file://merchant_key.pem",
        "certs": certs,
    });
    Config::from_value(&v, Some(fixtures())).unwrap()
}

const JAN_2020: i64 = 1_577_836_800;
const JAN_2021: i64 = 1_609_459_200;

#[test]
fn a_certificate_that_expires_after_loading_stops_verifying() {
    let serial = "6A0F3E5D1C2B3A49";
    let cfg = config(json!({ serial: "file://platform_cert_expired.pem" }));
    // Loaded while valid (an injected clock in 2020)…
    let mid_2020 = JAN_2020 + 180 * 86_400;
    let client =
        Client::with_clock_and_nonce(&cfg, Arc::new(FixedClock(mid_2020)), Arc::new(RandomNonce))
            .unwrap();
    let key = PrivateKey::from_pem(
        &std::fs::read_to_string(fixtures().join("platform_cert_key.pem")).unwrap(),
    )
    .unwrap();
    let signed_at = |now: i64| {
        let ts = now.to_string();
        let sig = key.sign_base64(&response_message(&ts, "n", b"")).unwrap();
        (ts, sig)
    };
    let verify = |now: i64| {
        let (ts, sig) = signed_at(now);
        client.verify(
            SignatureHeaders {
                timestamp: Some(&ts),
                nonce: Some("n"),
                signature: Some(&sig),
                serial: Some(serial),
            },
            b"",
            Some(now),
        )
    };
    verify(mid_2020).unwrap();
    // …and refused once it has expired, with its own reason.
    let e = verify(JAN_2021 + 1).unwrap_err();
    assert_eq!(e.code(), "VERIFY");
    assert_eq!(
        e.verify_failure().map(|f| f.code()),
        Some("CERTIFICATE_EXPIRED")
    );
    assert!(
        e.message().contains("expired on 2021-01-01 00:00:00 UTC"),
        "{e}"
    );
    // Loading it today is a configuration error that names the field.
    let e = Client::new(&cfg).unwrap_err();
    assert_eq!(e.code(), "CONFIG");
    assert!(e.message().contains("certs.6A0F3E5D1C2B3A49"), "{e}");
}

#[test]
fn a_fifo_as_a_configuration_or_key_file_is_refused_without_blocking() {
    let dir = std::env::temp_dir().join(format!("wxpay-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("key.pem");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let e = Config::from_file(&fifo).unwrap_err();
    assert_eq!(e.code(), "CONFIG");
    assert!(e.message().contains("not a regular file"), "{e}");
    let mut cfg =
        config(json!({"PUB_KEY_ID_0112300001092026112600000000000001": "file://platform_pub.pem"}));
    cfg.private_key = format!("file://{}", fifo.display()).into();
    let e = Client::new(&cfg).unwrap_err();
    assert!(
        e.message().contains("private_key") && e.message().contains("not a regular file"),
        "{e}"
    );
    let e = Config::from_file("/dev/zero").unwrap_err();
    assert!(e.message().contains("not a regular file"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_numbers_are_sent_exactly_or_refused() {
    // Integers up to 64 bits are kept exactly.
    let o = RequestOptions::from_json(
        r#"{"json":{"a":18446744073709551615,"b":-9223372036854775808,"c":1.5}}"#,
    )
    .unwrap();
    assert_eq!(
        o.body.unwrap(),
        br#"{"a":18446744073709551615,"b":-9223372036854775808,"c":1.5}"#
    );
    // Beyond them, JSON parsers keep a double: refused, with where it is.
    for text in [
        r#"{"json":{"amount":{"total":18446744073709551616}}}"#,
        r#"{"json":{"list":[1, 1e300]}}"#,
        r#"{"json":{"x":9007199254740992.0}}"#,
    ] {
        let e = RequestOptions::from_json(text).unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT", "{text}");
        assert!(e.message().contains("json."), "{e}");
    }
}

#[test]
fn server_text_in_api_errors_is_escaped_and_bounded() {
    let body = format!(
        r#"{{"code":"PARAM_ERROR","message":"\u001b[2J\u001b[31mforged\nwxpay: OK {}"}}"#,
        "x".repeat(10_000)
    );
    let api = wxpay::client::parse_api_error(400, Some("rid\r\nX: y".into()), body.as_bytes());
    let e = wxpay::Error::from_api(api);
    let msg = e.to_string();
    assert!(!msg.chars().any(|c| c.is_control()), "{msg:?}");
    assert!(msg.contains("\\u{1b}"), "{msg}");
    assert!(msg.len() < 1200, "{} bytes", msg.len());
    // The raw values stay available to the program.
    assert!(e.api().unwrap().message.starts_with('\u{1b}'));
}

#[test]
fn limits_on_headers_and_user_agent_name_the_limit() {
    let mut headers = serde_json::Map::new();
    for i in 0..33 {
        headers.insert(format!("X-H{i}"), json!("v"));
    }
    let e = RequestOptions::from_value(&json!({ "headers": headers })).unwrap_err();
    assert!(e.message().contains("at most 32"), "{e}");
    let v = json!({
        "mchid": "1230000109",
        "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
        "private_key": "file://merchant_key.pem",
        "certs": {"PUB_KEY_ID_1": "file://platform_pub.pem"},
        "user_agent": "u".repeat(100_000_000 / 1000),
    });
    let e = Config::from_value(&v, Some(fixtures())).unwrap_err();
    assert!(
        e.message().contains("user_agent") && e.message().len() < 200,
        "{e}"
    );
}
