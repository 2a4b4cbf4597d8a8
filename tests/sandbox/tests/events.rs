//! Events (core/src/events.rs): a retried call reports each attempt with the sandbox's
//! Request-IDs, through a client's sink and through `tracing`; no event carries a secret.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use serde_json::json;
use wxpay::{CloseOrder, Event, EventKind, EventSink};

fn collector() -> (EventSink, Arc<Mutex<Vec<Event>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    (
        Arc::new(move |e: &Event| s2.lock().unwrap().push(e.clone())),
        seen,
    )
}

/// The Request-IDs the sandbox sent for requests whose target contains `part`, in order.
async fn sandbox_request_ids(sb: &wxpay_sandbox::Sandbox, part: &str) -> Vec<String> {
    requests(sb)
        .await
        .iter()
        .filter(|r| r["target"].as_str().unwrap().contains(part))
        .map(|r| r["request_id"].as_str().unwrap().to_owned())
        .collect()
}

/// What must never be in an event: the key, the APIv3 key, the body, the signature.
fn assert_no_secret(events: &[Event]) {
    let key = std::fs::read_to_string(fixture("merchant_key.pem")).unwrap();
    let key_line = key.lines().nth(1).unwrap();
    let apiv3 = std::fs::read_to_string(fixture("apiv3_key.txt")).unwrap();
    for e in events {
        for text in [e.summary(), e.to_json().to_string()] {
            assert!(!text.contains(key_line), "{text}");
            assert!(!text.contains(apiv3.trim()), "{text}");
            assert!(!text.contains("WECHATPAY2"), "{text}");
            assert!(!text.contains("mchid"), "the body: {text}");
            assert!(!text.contains("sp_mchid"), "{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_call_reports_every_attempt_with_the_sandbox_request_ids() {
    let sb = tls_sandbox(false).await;
    let (sink, seen) = collector();
    let client = client(&sb, json!({"retries": 2})).with_events(Some(sink));
    fault(
        &sb,
        json!({"fault": "status", "status": 503, "path": "/close", "count": 1}),
    )
    .await;
    let r = client
        .close(&CloseOrder::transaction_id("events-retry"))
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let events = seen.lock().unwrap().clone();
    let kinds: Vec<_> = events.iter().map(|e| (e.kind, e.attempt)).collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Request, 1),
            (EventKind::Response, 1),
            (EventKind::Request, 2),
            (EventKind::Response, 2),
            (EventKind::Call, 2),
        ]
    );
    let ids = sandbox_request_ids(&sb, "/close").await;
    assert_eq!(ids.len(), 2, "{ids:?}");
    let first = &events[1];
    assert_eq!(first.status, Some(503));
    assert_eq!(first.outcome, Some("API"));
    assert_eq!(first.api_code.as_deref(), Some("SERVICE_UNAVAILABLE"));
    assert!(first.will_retry && first.retry_in.is_some());
    assert!(first.is_warning());
    assert_eq!(first.request_id.as_deref(), Some(ids[0].as_str()));
    let second = &events[3];
    assert_eq!((second.status, second.outcome), (Some(204), Some("OK")));
    assert!(!second.will_retry && !second.is_warning());
    assert_eq!(second.request_id.as_deref(), Some(ids[1].as_str()));
    let call = &events[4];
    assert_eq!((call.status, call.outcome), (Some(204), Some("OK")));
    assert_eq!(call.request_id.as_deref(), Some(ids[1].as_str()));
    assert!(call.duration.unwrap() >= first.duration.unwrap());
    for e in &events {
        assert_eq!(e.call, events[0].call, "one call number");
        assert_eq!(e.method, "POST");
        assert_eq!(e.path, "/hk/v3/transactions/id/events-retry/close");
    }
    assert!(events[0]
        .summary()
        .ends_with("POST /hk/v3/transactions/id/events-retry/close attempt 1 sent"));
    assert!(
        first
            .summary()
            .contains("attempt 1: 503 API SERVICE_UNAVAILABLE in "),
        "{}",
        first.summary()
    );
    assert_no_secret(&events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_call_ends_with_its_error_and_a_verify_failure_is_the_calls_outcome() {
    let sb = tls_sandbox(false).await;
    let (sink, seen) = collector();
    let client = client(&sb, json!({"retries": 1})).with_events(Some(sink));
    fault(
        &sb,
        json!({"fault": "status", "status": 500, "path": "/close", "count": 2}),
    )
    .await;
    let e = client
        .close(&CloseOrder::transaction_id("events-fail"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
    let events = seen.lock().unwrap().clone();
    assert_eq!(events.len(), 5, "{events:?}");
    assert!(events[1].will_retry && !events[3].will_retry);
    let call = &events[4];
    assert_eq!(call.kind, EventKind::Call);
    assert_eq!((call.attempt, call.outcome), (2, Some("API")));
    assert_eq!(call.request_id.as_deref(), e.request_id());

    // The answer arrives (the attempt is OK) but its signature is forged: the call is VERIFY.
    seen.lock().unwrap().clear();
    fault(&sb, json!({"fault": "bad_signature", "path": "/close"})).await;
    let e = client
        .close(&CloseOrder::transaction_id("events-forged"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "VERIFY");
    let events = seen.lock().unwrap().clone();
    assert_eq!(events[1].outcome, Some("OK"));
    assert_eq!(events[2].kind, EventKind::Call);
    assert_eq!(events[2].outcome, Some("VERIFY"));
    assert_eq!(events[2].status, Some(204));
    assert_no_secret(&events);

    // A client without a sink (and no tracing subscriber) reports nothing, and still works.
    let quiet = client.with_events(None);
    seen.lock().unwrap().clear();
    quiet
        .close(&CloseOrder::transaction_id("events-quiet"))
        .await
        .unwrap();
    assert!(seen.lock().unwrap().is_empty());
}
