//! Events reach `tracing` (target `wxpay`): a retried attempt at WARN, the rest at DEBUG. In a
//! test binary of its own: `tracing` caches per call site whether anyone listens, and tests
//! running beside this one without a subscriber would race with it.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use serde_json::json;
use wxpay::CloseOrder;

/// A `tracing` subscriber that keeps the `wxpay` events' levels and messages.
struct Recorder(Arc<Mutex<Vec<(tracing::Level, String)>>>);

impl tracing::Subscriber for Recorder {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        m.target() == "wxpay"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "message" {
                    self.0 = format!("{v:?}");
                }
            }
        }
        let mut m = Message(String::new());
        event.record(&mut m);
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), m.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn events_go_to_tracing_with_a_warning_for_a_retry() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let subscriber = Recorder(lines.clone());
    tracing::subscriber::with_default(subscriber, || {
        rt.block_on(async {
            let sb = tls_sandbox(false).await;
            let client = client(&sb, json!({"retries": 1}));
            fault(
                &sb,
                json!({"fault": "status", "status": 429, "path": "/close"}),
            )
            .await;
            client
                .close(&CloseOrder::transaction_id("events-tracing"))
                .await
                .unwrap();
        })
    });
    let lines = lines.lock().unwrap().clone();
    let levels: Vec<_> = lines.iter().map(|(l, _)| *l).collect();
    use tracing::Level;
    assert_eq!(
        levels,
        [
            Level::DEBUG,
            Level::WARN,
            Level::DEBUG,
            Level::DEBUG,
            Level::DEBUG
        ],
        "{lines:?}"
    );
    assert!(
        lines[1].1.contains("429 API RATELIMIT_EXCEEDED"),
        "{lines:?}"
    );
    assert!(lines[4].1.contains("done: 204 OK"), "{lines:?}");
}
