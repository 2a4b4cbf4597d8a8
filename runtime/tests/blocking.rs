//! Blocking calls on the caller's thread (`wxpay_runtime::blocking`) against the sandbox over TLS.

#[path = "../../tests/sandbox/tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use common::*;
use serde_json::{json, Value};
use wxpay::{Client, CloseOrder, Operation, OrderRef};
use wxpay_runtime::{blocking, ProcessRuntime};
use wxpay_sandbox::Sandbox;

static SHARED: ProcessRuntime = ProcessRuntime::new();

/// Whether a call runs on its thread depends on the blocking calls in progress in the process:
/// the tests take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// The sandbox on a runtime of its own (the calls under test run on plain threads).
fn sandbox() -> (tokio::runtime::Runtime, Sandbox) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sb = rt.block_on(tls_sandbox(false));
    (rt, sb)
}

fn connections(rt: &tokio::runtime::Runtime, sb: &Sandbox) -> u64 {
    rt.block_on(control(sb, "GET", "stats", Value::Null))["connections"]
        .as_u64()
        .unwrap()
}

fn close(client: &Arc<Client>, i: usize) -> wxpay::Result<wxpay::Response> {
    let order = CloseOrder::from_value(
        OrderRef::TransactionId(format!("42000000002026112700{i:08}")),
        &json!({}),
    )?;
    blocking::execute(&SHARED, client, Operation::close(client, &order)?)
}

fn client(sb: &Sandbox, extra: Value) -> Arc<Client> {
    Arc::new(common::client(sb, extra))
}

/// A call the sandbox answers after 600 ms, made on another thread and in progress on return.
fn slow_call_in_progress(
    rt: &tokio::runtime::Runtime,
    sb: &Sandbox,
    client: &Arc<Client>,
) -> std::thread::JoinHandle<wxpay::Result<u16>> {
    rt.block_on(fault(
        sb,
        json!({"fault": "delay", "delay_ms": 600, "count": 1}),
    ));
    let client = client.clone();
    let slow = std::thread::spawn(move || close(&client, 1).map(|r| r.status()));
    std::thread::sleep(std::time::Duration::from_millis(200));
    slow
}

#[test]
fn alone_a_call_runs_on_its_thread_with_a_connection_of_that_thread() {
    let _turn = serial();
    let (rt, sb) = sandbox();
    let client = client(&sb, json!({}));
    connections(&rt, &sb); // the control client's own connection, opened once
    let before = connections(&rt, &sb);
    // Threads one after another: each call is alone, so each thread opens one connection of
    // its own and reuses it; its runtime and pool end cleanly with the thread.
    for t in 0..4 {
        let client = client.clone();
        std::thread::spawn(move || {
            for i in 0..5 {
                assert_eq!(close(&client, t * 10 + i).expect("close").status(), 204);
            }
        })
        .join()
        .expect("no panic");
    }
    assert_eq!(
        connections(&rt, &sb) - before,
        4,
        "one connection per calling thread"
    );
}

#[test]
fn a_thread_serves_many_merchants_with_one_pool() {
    let _turn = serial();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // 20 merchants (their own mchid and serial; one test key) behind one gateway.
    let merchants: Vec<String> = (0..20).map(|i| format!("{}", 1_900_000_100 + i)).collect();
    let sb = rt
        .block_on(Sandbox::start(wxpay_sandbox::SandboxConfig {
            tls: true,
            merchants: merchants
                .iter()
                .map(|m| (m.clone(), fixture("merchant_pub.pem")))
                .collect(),
            ..wxpay_sandbox::SandboxConfig::default()
        }))
        .unwrap();
    let clients: Vec<Arc<Client>> = merchants
        .iter()
        .enumerate()
        .map(|(i, m)| {
            client(
                &sb,
                json!({"mchid": m, "serial": format!("{:040X}", i + 1)}),
            )
        })
        .collect();
    connections(&rt, &sb);
    let before = connections(&rt, &sb);
    std::thread::spawn(move || {
        for round in 0..3 {
            for (i, c) in clients.iter().enumerate() {
                let status = close(c, round * 100 + i).expect("close").status();
                assert_eq!(status, 204);
            }
        }
    })
    .join()
    .expect("no panic");
    // One pool per transport settings on the thread, not one per merchant (was: 20, and a
    // thread kept 8, so round robin reconnected on every call).
    assert_eq!(connections(&rt, &sb) - before, 1);
    let mchids: Vec<String> = rt
        .block_on(requests(&sb))
        .iter()
        .filter_map(|r| {
            r["body"]
                .as_str()
                .map(|b| serde_json::from_str::<Value>(b).unwrap())
        })
        .filter_map(|b| b["mchid"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(mchids.len(), 60);
    assert_eq!(
        mchids[..20],
        merchants[..],
        "each call signed and sent as its own merchant"
    );
}

#[test]
fn while_another_call_is_in_progress_a_call_runs_on_the_shared_runtime() {
    let _turn = serial();
    let (rt, sb) = sandbox();
    let client = client(&sb, json!({}));
    connections(&rt, &sb);
    let before = connections(&rt, &sb);
    let slow = slow_call_in_progress(&rt, &sb, &client);
    // Meanwhile, from this thread: the shared runtime's connection, not this thread's.
    assert_eq!(close(&client, 2).expect("close").status(), 204);
    assert_eq!(slow.join().unwrap().expect("slow close"), 204);
    assert_eq!(
        connections(&rt, &sb) - before,
        2,
        "the slow call's thread, and the runtime"
    );
    // Alone again: this thread's own connection.
    close(&client, 3).expect("close");
    close(&client, 4).expect("close");
    assert_eq!(connections(&rt, &sb) - before, 3);
}

#[test]
fn many_threads_at_once_all_complete() {
    let _turn = serial();
    let (_rt, sb) = sandbox();
    let client = client(&sb, json!({}));
    let barrier = Arc::new(std::sync::Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let (client, barrier) = (client.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                (0..5)
                    .map(|i| close(&client, t * 10 + i).map(|r| r.status()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for t in threads {
        for status in t.join().expect("no panic") {
            assert_eq!(status.expect("close"), 204);
        }
    }
}

#[test]
fn calls_survive_the_server_closing_connections_between_them() {
    let _turn = serial();
    let (rt, sb) = sandbox();
    let client = client(&sb, json!({}));
    for i in 0..10 {
        close(&client, i).expect("close after the server closed its connections");
        rt.block_on(control(&sb, "POST", "close_connections", Value::Null));
    }
}

#[test]
fn clients_on_one_thread_share_a_pool_by_transport_settings() {
    let _turn = serial();
    let (rt, sb) = sandbox();
    let a = client(&sb, json!({}));
    let b = client(&sb, json!({"retries": 1}));
    let c = client(&sb, json!({"connect_timeout_ms": 4000}));
    connections(&rt, &sb);
    let before = connections(&rt, &sb);
    for i in 0..3 {
        close(&a, i).expect("a");
        close(&b, i).expect("b");
        close(&c, i).expect("c");
    }
    // a and b differ only in what is not the connection's (retries): one pool; c connects
    // otherwise (its connect timeout): a pool of its own.
    assert_eq!(connections(&rt, &sb) - before, 2);
    // A transport serves the clients of its settings, and no other.
    let order = CloseOrder::from_value(
        OrderRef::TransactionId("4200000000202611270000000001".into()),
        &json!({}),
    )
    .unwrap();
    let prepared = a.prepare_close(&order).unwrap();
    let of_b = b.new_transport().unwrap();
    assert_eq!(
        rt.block_on(a.execute_via(&of_b, &prepared))
            .unwrap()
            .status(),
        204
    );
    let of_c = c.new_transport().unwrap();
    let e = rt.block_on(a.execute_via(&of_c, &prepared)).unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT", "{e}");
    assert!(e.to_string().contains("other connection settings"), "{e}");
}

#[test]
fn api_errors_and_timeouts_come_back_as_errors() {
    let _turn = serial();
    let (rt, sb) = sandbox();
    let client = client(&sb, json!({"timeout_ms": 300}));
    rt.block_on(fault(
        &sb,
        json!({"fault": "delay", "delay_ms": 2000, "count": 1}),
    ));
    let e = close(&client, 1).unwrap_err();
    assert_eq!(e.code(), "TIMEOUT", "{e}");
    rt.block_on(fault(
        &sb,
        json!({"fault": "status", "status": 400, "count": 1}),
    ));
    let e = close(&client, 2).unwrap_err();
    assert_eq!(e.code(), "API", "{e}");
    close(&client, 3).expect("and then a good call");
}

#[test]
fn inside_an_async_runtime_it_is_an_error_not_a_crash() {
    let _turn = serial();
    let (_rt, sb) = sandbox();
    let client = client(&sb, json!({}));
    let inner = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let e = inner.block_on(async { close(&client, 1) }).unwrap_err();
    assert_eq!(e.code(), "INTERNAL", "{e}");
}

#[test]
fn inside_an_async_runtime_on_the_shared_path_too() {
    let _turn = serial();
    let (rt, sb) = sandbox();
    let client = client(&sb, json!({}));
    let slow = slow_call_in_progress(&rt, &sb, &client);
    let inner = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let e = inner.block_on(async { close(&client, 2) }).unwrap_err();
    assert_eq!(e.code(), "INTERNAL", "{e}");
    assert_eq!(slow.join().unwrap().expect("slow close"), 204);
}

#[cfg(unix)]
#[test]
fn the_callers_signal_mask_is_left_as_it_was() {
    let _turn = serial();
    let (_rt, sb) = sandbox();
    let client = client(&sb, json!({}));
    let sigpipe_blocked = || unsafe {
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut old);
        libc::sigismember(&old, libc::SIGPIPE) == 1
    };
    assert!(!sigpipe_blocked());
    close(&client, 1).unwrap();
    assert!(
        !sigpipe_blocked(),
        "SIGPIPE is blocked only during the call"
    );
}
