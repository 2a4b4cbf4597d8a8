//! Shared vectors (tests/vectors, generated with openssl): every language must reproduce them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use wxpay::keys::{PrivateKey, PublicKey};
use wxpay::sign::SignatureHeaders;
use wxpay::{Client, Config, RequestOptions, Verifier};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(vectors_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn signing_vectors_are_reproduced_byte_for_byte() {
    let v = load("signing.json");
    let config = Config::from_value(&v["config"], Some(&vectors_dir())).unwrap();
    let client = Client::new(&config).unwrap();
    let requests = v["requests"].as_array().unwrap();
    assert!(requests.len() >= 5);
    for r in requests {
        let name = r["name"].as_str().unwrap();
        let options = RequestOptions::from_value(&r["options"]).unwrap();
        let p = client
            .prepare(
                r["method"].as_str().unwrap(),
                r["template"].as_str().unwrap(),
                &options,
            )
            .unwrap();
        assert_eq!(p.url.as_str(), r["url"].as_str().unwrap(), "{name}: url");
        assert_eq!(
            p.canonical_url(),
            r["canonical_url"].as_str().unwrap(),
            "{name}: canonical url"
        );
        assert_eq!(
            String::from_utf8(p.body.clone()).unwrap(),
            r["body"].as_str().unwrap(),
            "{name}: body"
        );
        let ts = r["timestamp"].as_i64().unwrap();
        let nonce = r["nonce"].as_str().unwrap();
        let message =
            wxpay::sign::request_message(p.method.as_str(), &p.canonical_url(), ts, nonce, &p.body);
        assert_eq!(
            String::from_utf8(message).unwrap(),
            r["message"].as_str().unwrap(),
            "{name}: message"
        );
        let auth = client.authorization(&p, ts, nonce).unwrap();
        assert_eq!(
            auth,
            r["authorization"].as_str().unwrap(),
            "{name}: authorization"
        );
        // The headers every request carries.
        let header = |n: &str| {
            p.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("Accept"), Some("application/json"), "{name}");
        assert!(
            header("User-Agent").unwrap().starts_with("wxpay/"),
            "{name}"
        );
        assert_eq!(
            header("Content-Type").is_some(),
            !p.body.is_empty(),
            "{name}"
        );
        assert_eq!(
            header("Wechatpay-Serial"),
            Some("PUB_KEY_ID_0112300001092026112600000000000001")
        );
    }
}

#[test]
fn pkcs1_key_signs_identically() {
    let v = load("signing.json");
    let mut cfg = v["config"].clone();
    cfg["private_key"] = "file://../fixtures/merchant_key_pkcs1.pem".into();
    let client = Client::new(&Config::from_value(&cfg, Some(&vectors_dir())).unwrap()).unwrap();
    let r = &v["requests"][0];
    let p = client
        .prepare(
            "POST",
            r["template"].as_str().unwrap(),
            &RequestOptions::from_value(&r["options"]).unwrap(),
        )
        .unwrap();
    assert_eq!(
        client
            .authorization(
                &p,
                r["timestamp"].as_i64().unwrap(),
                r["nonce"].as_str().unwrap()
            )
            .unwrap(),
        r["authorization"].as_str().unwrap()
    );
}

/// One live cross-check against `openssl dgst -sha256 -sign`, on a message made now (so the
/// committed vectors cannot be stale copies of our own output).
#[test]
fn signature_matches_openssl_live() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let message = format!(
        "POST\n/hk/v3/transactions/id/{}/close\n{}\n{}\n{{\"mchid\":\"1230000109\"}}\n",
        std::process::id(),
        1_700_000_000 + std::process::id() as i64,
        wxpay::sign::random_nonce()
    );
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(fixtures.join("merchant_key.pem"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(message.as_bytes())
                .unwrap();
            child.wait_with_output().unwrap()
        })
        .expect("openssl is needed for this cross-check (apt-get install openssl)");
    assert!(out.status.success());
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD.encode(out.stdout);
    let key =
        PrivateKey::from_pem(&std::fs::read_to_string(fixtures.join("merchant_key.pem")).unwrap())
            .unwrap();
    assert_eq!(key.sign_base64(message.as_bytes()).unwrap(), expected);
}

#[test]
fn verification_vectors() {
    let v = load("verification.json");
    let key_path = v["public_key"]
        .as_str()
        .unwrap()
        .strip_prefix("file://")
        .unwrap();
    let pem = std::fs::read_to_string(vectors_dir().join(key_path)).unwrap();
    let mut keys = HashMap::new();
    keys.insert(
        v["serial"].as_str().unwrap().to_owned(),
        PublicKey::from_pem(&pem).unwrap(),
    );
    let verifier = Verifier::new(keys);
    for c in v["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let headers = SignatureHeaders {
            timestamp: c["timestamp"].as_str(),
            nonce: c["nonce"].as_str(),
            signature: c["signature"].as_str(),
            serial: c["serial"].as_str(),
        };
        let result = verifier.verify(
            headers,
            c["body"].as_str().unwrap().as_bytes(),
            c["now"].as_i64().unwrap(),
        );
        match c["expect"].as_str().unwrap() {
            "ok" => assert!(result.is_ok(), "{name}: {result:?}"),
            reason => {
                let e = result.expect_err(name);
                assert_eq!(e.code(), "VERIFY", "{name}");
                assert_eq!(
                    e.verify_failure().unwrap().code(),
                    reason,
                    "{name}: {}",
                    e.message()
                );
            }
        }
    }
}

/// A client for a notification vector: the test merchant plus the case's `certs` and key.
fn notification_client(case: &Value) -> Client {
    let key = vectors_dir().join("../fixtures/merchant_key.pem");
    let config = serde_json::json!({
        "mchid": "1230000109",
        "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
        "private_key": format!("file://{}", key.display()),
        "certs": case["certs"],
        "apiv3_key": case["apiv3_key"],
    });
    Client::new(&Config::from_value(&config, None).unwrap()).unwrap()
}

#[test]
fn notification_vectors_parse_as_generated() {
    let v = load("notifications.json");
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 3);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let client = notification_client(case);
        let headers: Vec<(String, String)> = case["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let body = case["body"].as_str().unwrap().as_bytes();
        let now = case["now"].as_i64();
        let outcome = client.parse_notification(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            body,
            now,
        );
        let expect = &case["expect"];
        match expect["code"].as_str() {
            None => assert_eq!(outcome.unwrap().to_json(), expect["notification"], "{name}"),
            Some(code) => {
                let e = outcome.unwrap_err();
                assert_eq!(e.code(), code, "{name}: {e}");
                assert!(
                    e.message().contains(expect["mentions"].as_str().unwrap()),
                    "{name}: {e}"
                );
            }
        }
        if expect["signature"] == "valid" {
            let get = |n: &str| {
                headers
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.as_str())
            };
            let h = SignatureHeaders {
                timestamp: get("Wechatpay-Timestamp"),
                nonce: get("Wechatpay-Nonce"),
                signature: get("Wechatpay-Signature"),
                serial: get("Wechatpay-Serial"),
            };
            client.verify(h, body, now).unwrap();
            // One changed byte of the body and it no longer verifies.
            let tampered = String::from_utf8_lossy(body).replacen("payscore", "payscorf", 1);
            assert_eq!(
                client
                    .verify(h, tampered.as_bytes(), now)
                    .unwrap_err()
                    .verify_failure()
                    .unwrap()
                    .code(),
                "BAD_SIGNATURE"
            );
        }
    }
}

#[test]
fn call_vectors_are_reproduced_byte_for_byte_through_the_catalogue() {
    let v = load("signing.json");
    let config = Config::from_value(&v["config"], Some(&vectors_dir())).unwrap();
    let client = Client::new(&config).unwrap();
    let calls = v["calls"].as_array().unwrap();
    assert!(calls.len() >= 6);
    for c in calls {
        let name = c["name"].as_str().unwrap();
        let op = wxpay::Operation::by_value(&client, c["call"].as_str().unwrap(), &c["args"], None)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let p = op
            .dry_run(&client, c["timestamp"].as_i64(), c["nonce"].as_str())
            .unwrap();
        assert_eq!(p["method"], c["method"], "{name}: method");
        assert_eq!(p["url"], c["url"], "{name}: url");
        assert_eq!(
            p["canonical_url"], c["canonical_url"],
            "{name}: canonical url"
        );
        assert_eq!(p["body"], c["body"], "{name}: body");
        assert_eq!(
            p["authorization"], c["authorization"],
            "{name}: authorization"
        );
    }
}

#[test]
fn pay_parameter_vectors_match_openssl() {
    let v = load("signing.json");
    let config = Config::from_value(&v["config"], Some(&vectors_dir())).unwrap();
    let client = Client::new(&config).unwrap();
    let cases = v["pay_params"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let out = client
            .pay_params_json(c["kind"].as_str().unwrap(), &c["args"].to_string())
            .unwrap();
        // Byte for byte, field order included: the object handed to the front end.
        assert_eq!(out, c["expect"].to_string(), "{name}");
    }
    // Without a timestamp and nonce: now and a fresh nonce, and the signature verifies.
    let out: Value = serde_json::from_str(
        &client
            .pay_params_json("jsapi", r#"{"appid":"wx1","prepay_id":"wx2"}"#)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(out["nonceStr"].as_str().unwrap().len(), 32);
    assert!(out["timeStamp"].as_str().unwrap().parse::<i64>().unwrap() > 1_700_000_000);
    let message = format!(
        "wx1\n{}\n{}\nprepay_id=wx2\n",
        out["timeStamp"].as_str().unwrap(),
        out["nonceStr"].as_str().unwrap()
    );
    let public = PublicKey::from_pem(
        &std::fs::read_to_string(vectors_dir().join("../fixtures/merchant_pub.pem")).unwrap(),
    )
    .unwrap();
    assert!(public.verify_base64(message.as_bytes(), out["paySign"].as_str().unwrap()));
}
