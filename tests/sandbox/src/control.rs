//! The control API (`/_sandbox/…`): faults, the request log, orders, stats, closing connections.
//! Unsigned, unauthenticated, loopback tooling.

use http::Method;
use serde_json::{json, Value};

use crate::*;

/// The control API: `/_sandbox/…`. Unsigned, unauthenticated, loopback tooling.
pub(crate) fn control(state: &State, method: &Method, target: &str, body: &[u8]) -> Answer {
    let path = target.split('?').next().unwrap_or(target);
    let ok = |v: Value| Answer {
        status: 200,
        body: serde_json::to_vec(&v).unwrap_or_default(),
    };
    let bad = |msg: String| error_answer(400, "SANDBOX_BAD_REQUEST", &msg, None);
    let parsed: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return bad(format!("control body is not JSON: {e}")),
        }
    };
    let Ok(mut m) = state.m.lock() else {
        return error_answer(500, "SYSTEM_ERROR", "sandbox state lock poisoned", None);
    };
    match (method, path) {
        (&Method::GET, "/_sandbox/health") => ok(json!({"ok": true})),
        (&Method::POST, "/_sandbox/close_connections") => {
            state.close_all.send_modify(|generation| *generation += 1);
            ok(json!({"ok": true}))
        }
        (&Method::GET, "/_sandbox/stats") => ok(json!({
            "connections": state.connections.load(std::sync::atomic::Ordering::Relaxed),
            "hostile_open": state.hostile_open.load(std::sync::atomic::Ordering::Relaxed),
        })),
        (&Method::POST, "/_sandbox/reset") => {
            *m = Mutable::default();
            state.save(&m.book);
            ok(json!({"ok": true}))
        }
        (&Method::POST, "/_sandbox/orders") => {
            let (Some(id), Some(st)) = (
                parsed.get("id").and_then(Value::as_str),
                parsed.get("state").and_then(Value::as_str),
            ) else {
                return bad("POST /_sandbox/orders wants {\"id\": \"…\", \"state\": \"NOTPAY|SUCCESS|CLOSED|REFUND|…\"}".into());
            };
            m.orders.insert(id.to_owned(), st.to_owned());
            ok(json!({"id": id, "state": st}))
        }
        (&Method::GET, p) if p.starts_with("/_sandbox/orders/") => {
            let id = percent_decode(&p["/_sandbox/orders/".len()..]);
            ok(json!({"id": id, "state": m.orders.get(&id)}))
        }
        (&Method::POST, "/_sandbox/faults") => {
            let name = parsed
                .get("fault")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(kind) = FaultKind::parse(name) else {
                let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
                return bad(format!(
                    "unknown fault `{name}`; one of {}",
                    names.join(", ")
                ));
            };
            let fault = Fault {
                kind,
                path: parsed
                    .get("path")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                remaining: parsed
                    .get("count")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .max(1),
                delay_ms: parsed.get("delay_ms").and_then(Value::as_u64).unwrap_or(0),
                status: parsed.get("status").and_then(Value::as_u64).unwrap_or(500) as u16,
            };
            m.faults.push_back(fault);
            ok(json!({"queued": m.faults.len()}))
        }
        (&Method::POST, "/_sandbox/notifications") => match crate::notify::minted(state, &parsed) {
            Ok(v) => ok(v),
            Err(e) => bad(e),
        },
        (&Method::GET | &Method::POST, "/_sandbox/certificates") => {
            drop(m);
            match state.certificates_control(&parsed) {
                Ok(v) => ok(v),
                Err(e) => bad(e),
            }
        }
        (&Method::POST, "/_sandbox/bills") => {
            let Some(n) = parsed.get("bytes").and_then(Value::as_u64) else {
                return bad("POST /_sandbox/bills wants {\"bytes\": N}: the size of generated bills and statements".into());
            };
            m.bill_bytes = n;
            ok(json!({"bytes": n}))
        }
        (&Method::GET, "/_sandbox/deliveries") => ok(Value::Array(m.deliveries.clone())),
        (&Method::DELETE, "/_sandbox/faults") => {
            m.faults.clear();
            ok(json!({"ok": true}))
        }
        (&Method::GET, "/_sandbox/requests") => {
            // `?summary` leaves out headers and bodies (for large logs).
            let summary = target.contains("?summary");
            let list: Vec<Value> = m
                .log
                .iter()
                .map(|l| {
                    if summary {
                        json!({"method": l.method, "target": l.target, "status": l.outcome, "request_id": l.request_id})
                    } else {
                        json!({"method": l.method, "target": l.target, "headers": l.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(), "body": l.body, "status": l.outcome, "request_id": l.request_id})
                    }
                })
                .collect();
            ok(Value::Array(list))
        }
        _ => error_answer(
            404,
            "NOT_FOUND",
            &format!("no sandbox control endpoint {} {path}", method.as_str()),
            None,
        ),
    }
}
