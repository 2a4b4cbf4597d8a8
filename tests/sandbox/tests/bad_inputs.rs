//! The shared bad-input catalogue (tests/reliability/bad_inputs.json), run through the Rust core.

mod common;

use common::*;
use serde_json::{json, Value};
use wxpay::{Client, Config, RequestOptions};

fn spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../reliability/bad_inputs.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `{fixtures}` → the fixtures folder, `{"$repeat": [s, n]}` → s repeated n times.
fn expand(v: &Value) -> Value {
    let fixtures = fixture("").display().to_string();
    let fixtures = fixtures.trim_end_matches('/');
    match v {
        Value::String(s) => json!(s.replace("{fixtures}", fixtures)),
        Value::Array(a) => Value::Array(a.iter().map(expand).collect()),
        Value::Object(m) if m.contains_key("$repeat") => {
            let r = &m["$repeat"];
            json!(r[0]
                .as_str()
                .unwrap()
                .repeat(r[1].as_u64().unwrap() as usize))
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), expand(v))).collect()),
        other => other.clone(),
    }
}

fn check(name: &str, e: &wxpay::Error, expect: &Value) {
    assert_eq!(e.code(), expect["code"].as_str().unwrap(), "{name}: {e}");
    assert!(!e.may_have_been_sent(), "{name}: {e}");
    let msg = e.message();
    assert!(msg.chars().count() <= 600, "{name}: {} chars", msg.len());
    for want in expect["mentions"].as_array().unwrap() {
        let want = want.as_str().unwrap();
        assert!(
            msg.to_lowercase().contains(&want.to_lowercase()),
            "{name}: `{want}` not in {msg}"
        );
    }
    for bad in expect["absent"].as_array().unwrap() {
        assert!(
            !msg.contains(bad.as_str().unwrap()),
            "{name}: echoed in {msg}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_catalogue() {
    let sb = tls_sandbox(false).await;
    let normal = client(&sb, json!({}));
    let cases = spec()["cases"].as_array().unwrap().clone();
    assert!(!cases.is_empty(), "the catalogue has no cases");
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        control(&sb, "POST", "reset", Value::Null).await;
        if let Some(fields) = case["config"].as_object() {
            // The sandbox's client configuration as every runner reads it.
            let mut v = sb.client_config(&fixture("merchant_key.pem"));
            for (k, val) in fields {
                v[k] = expand(val);
            }
            let e = Config::from_value(&v, None)
                .and_then(|c| Client::new(&c))
                .expect_err(name);
            check(name, &e, expect);
        } else {
            let call = expand(&case["call"]);
            let e = match RequestOptions::from_value(&call["options"]) {
                Ok(o) => normal
                    .request(
                        call["method"].as_str().unwrap(),
                        call["template"].as_str().unwrap(),
                        &o,
                    )
                    .await
                    .expect_err(name),
                Err(e) => e,
            };
            check(name, &e, expect);
        }
        assert!(requests(&sb).await.is_empty(), "{name}: something was sent");
    }
}

/// The typed calls' bad arguments (tests/reliability/bad_calls.json), through the catalogue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_call_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../reliability/bad_calls.json");
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let sb = tls_sandbox(false).await;
    let normal = client(&sb, json!({}));
    let cases = spec["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let e = match wxpay::Operation::by_value(
            &normal,
            case["call"].as_str().unwrap(),
            &case["args"],
            None,
        ) {
            Err(e) => e,
            Ok(_) => panic!("{name}: accepted"),
        };
        check(name, &e, &case["expect"]);
        assert_eq!(
            e.argument_name(),
            case["expect"]["argument"].as_str(),
            "{name}: {e}"
        );
    }
    assert!(requests(&sb).await.is_empty(), "something was sent");
}
