//! The shared fault matrix (tests/reliability/faults.json), run through the Rust core.

mod common;

use std::time::Instant;

use common::*;
use serde_json::{json, Value};
use wxpay::{Client, CloseOrder};
use wxpay_sandbox::Sandbox;

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../reliability/faults.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn variant(sb: &Sandbox, spec: &Value, kind: &str, timeout_ms: &Value) -> Client {
    let mut extra = json!({"timeout_ms": timeout_ms, "retries": spec["retries"]});
    let mut resolve = json!({
        "api.mch.weixin.qq.com": sb.addr().to_string(),
        "apihk.mch.weixin.qq.com": sb.addr().to_string(),
        "wxpay-wrong-host.test": sb.addr().to_string(),
    });
    for (name, _) in wxpay_sandbox::hostile::HOSTILE {
        resolve[*name] = json!(sb.addr().to_string());
    }
    if kind == "dead_port" {
        resolve["api.mch.weixin.qq.com"] = json!("127.0.0.1:9");
    }
    extra["resolve"] = resolve;
    let mut c = config_value(sb, extra);
    if kind == "no_ca" {
        c.as_object_mut().unwrap().remove("ca_certs");
    }
    Client::new(&wxpay::Config::from_value(&c, None).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let spec = spec();
    let sb = tls_sandbox(false).await;
    let normal = variant(&sb, &spec, "normal", &spec["timeout_ms"]);
    let mut ran = 0;
    // A case with `repeat` runs that many times (the hostile servers: 20 of 20 must end on time).
    let runs =
        spec["cases"].as_array().unwrap().iter().flat_map(|case| {
            std::iter::repeat_n(case, case["repeat"].as_u64().unwrap_or(1) as usize)
        });
    for case in runs {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let kind = case["client"].as_str().unwrap();
        control(&sb, "POST", "reset", Value::Null).await;
        if let Some(spec_fault) = case["fault"].as_object() {
            let mut f = Value::Object(spec_fault.clone());
            f["path"] = json!("/close");
            fault(&sb, f).await;
        }
        let timeout_ms = case.get("timeout_ms").unwrap_or(&spec["timeout_ms"]);
        let client = variant(&sb, &spec, kind, timeout_ms);
        let mut order = CloseOrder::transaction_id(format!("fault-{name}"));
        if let Some(host) = case["host"].as_str() {
            order.base_uri = Some(format!("https://{host}/hk/"));
        }
        let started = Instant::now();
        let result = client.close(&order).await;
        let elapsed = started.elapsed().as_millis() as u64;
        assert!(
            elapsed <= case["max_ms"].as_u64().unwrap(),
            "{name}: took {elapsed} ms"
        );
        match (&result, expect["code"].as_str()) {
            (Ok(r), None) => {
                assert_eq!(Some(r.status() as u64), expect["status"].as_u64(), "{name}")
            }
            (Err(e), Some(code)) => {
                assert_eq!(e.code(), code, "{name}: {e}");
                assert_eq!(
                    Some(e.may_have_been_sent()),
                    expect["may_have_been_sent"].as_bool(),
                    "{name}"
                );
                assert_eq!(
                    e.status().map(u64::from),
                    expect["status"].as_u64(),
                    "{name}"
                );
                assert_eq!(
                    e.api().map(|a| a.code.as_str()),
                    expect["api_code"].as_str(),
                    "{name}"
                );
                assert_eq!(
                    e.verify_failure().map(|f| f.code()),
                    expect["verify_failure"].as_str(),
                    "{name}"
                );
            }
            (other, want) => panic!("{name}: expected {want:?}, got {other:?}"),
        }
        let target = format!("/fault-{name}/");
        let attempts = requests(&sb)
            .await
            .iter()
            .filter(|r| r["target"].as_str().unwrap().contains(&target))
            .count();
        assert_eq!(
            Some(attempts as u64),
            expect["attempts"].as_u64(),
            "{name}: requests that reached the sandbox"
        );
        // With the faults cleared, the client keeps working (a deliberately broken client
        // variant cannot: a normal one must).
        control(&sb, "DELETE", "faults", Value::Null).await;
        let after = if kind == "normal" { &client } else { &normal };
        after
            .close(&CloseOrder::transaction_id(format!("after-{name}")))
            .await
            .unwrap_or_else(|e| panic!("{name}: after: {e}"));
        ran += 1;
    }
    let expected: u64 = spec["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["repeat"].as_u64().unwrap_or(1))
        .sum();
    assert_eq!(ran, expected);
    assert!(ran > 0, "the matrix has no cases");
}
