//! Load with mixed faults: 20,000 close calls from one client, 64 in flight, a fifth of them
//! meeting a fault aimed at that call alone. Every call is accounted for (succeeded, or failed
//! with the expected code) and the sandbox saw each exactly as often as retries explain: none
//! lost, none duplicated.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::*;
use serde_json::{json, Value};
use wxpay::CloseOrder;

const CALLS: usize = 20_000;
const IN_FLIGHT: usize = 64;

/// What call `i` meets, and what must come of it: (fault, expected code, requests that reach the sandbox).
fn plan(i: usize) -> (Option<Value>, Option<&'static str>, usize) {
    match i % 20 {
        1 => (
            Some(json!({"fault": "status", "status": 500, "count": 1})),
            None,
            2,
        ),
        5 => (
            Some(json!({"fault": "status", "status": 503, "count": 3})),
            Some("API"),
            3,
        ),
        9 => (Some(json!({"fault": "bad_signature"})), Some("VERIFY"), 1),
        13 => (Some(json!({"fault": "drop"})), Some("TRANSPORT"), 1),
        _ => (None, None, 1),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_calls_with_mixed_faults_are_all_accounted_for() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({"retries": 2, "timeout_ms": 30_000}));
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..CALLS {
        let permit = gate.clone().acquire_owned().await.unwrap();
        // Each fault is aimed at its own call (by path), queued just before that call starts.
        if let (Some(mut fault), _, _) = plan(i) {
            fault["path"] = json!(format!("/L{i}/"));
            common::fault(&sb, fault).await;
        }
        let client = client.clone();
        tasks.spawn(async move {
            let outcome = client
                .close(&CloseOrder::transaction_id(format!("L{i}")))
                .await;
            drop(permit);
            (i, outcome.map(|r| r.status()).map_err(|e| e.code()))
        });
    }
    let mut outcomes = HashMap::new();
    while let Some(done) = tasks.join_next().await {
        let (i, outcome) = done.expect("no task panicked");
        assert!(
            outcomes.insert(i, outcome).is_none(),
            "call {i} finished twice"
        );
    }
    assert_eq!(outcomes.len(), CALLS, "every call is accounted for");
    let mut by_code: HashMap<&str, usize> = HashMap::new();
    for (i, outcome) in &outcomes {
        let (_, want, _) = plan(*i);
        match (outcome, want) {
            (Ok(204), None) => *by_code.entry("OK").or_default() += 1,
            (Err(code), Some(w)) if *code == w => *by_code.entry(w).or_default() += 1,
            (got, want) => panic!("call {i}: expected {want:?}, got {got:?}"),
        }
    }
    // The sandbox's view: how many requests each call made.
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let log = control(&sb, "GET", "requests?summary", Value::Null).await;
    for r in log.as_array().unwrap() {
        let target = r["target"].as_str().unwrap();
        if let Some(id) = target
            .strip_prefix("/hk/v3/transactions/id/L")
            .and_then(|t| t.strip_suffix("/close"))
        {
            *seen.entry(id.parse().unwrap()).or_default() += 1;
        }
    }
    for i in 0..CALLS {
        let (_, _, attempts) = plan(i);
        assert_eq!(
            seen.get(&i).copied().unwrap_or(0),
            attempts,
            "call {i}: requests at the sandbox"
        );
    }
    eprintln!("load: {CALLS} calls, outcomes {by_code:?}");
    assert_eq!(
        by_code["OK"],
        CALLS / 20 * 17,
        "16 in 20 plain, 1 in 20 after a retried 500"
    );
}
