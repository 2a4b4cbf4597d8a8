//! Issue 28: servers that keep a client busy without answering (the sandbox's hostile names,
//! `wxpay_sandbox::hostile`) end every call by its deadline — or sooner, with the error that
//! says why — 20 runs of 20, over TLS and over plain TCP, on the blocking bindings' shape (a
//! current-thread runtime, where nothing but the budgeted reads lets the timer run) and on a
//! multi-thread runtime; the connection is dropped each time (the hostile server sees it go);
//! and 1,000 such calls (every server in turn) leave no socket, thread or memory behind.
//!
//! What each hostile name must end with is the shared fault matrix's (`faults.json`, cases with
//! a `host`), so every language checks the same outcome.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use wxpay::CloseOrder;
use wxpay_sandbox::hostile::{self, Hostile};

const TIMEOUT_MS: u64 = 300;
/// What a call may take beyond `timeout_ms` (the bound).
const SLACK_MS: u64 = 100;
/// Runs per server and transport here; the fault matrix runs each 20 times in every language.
const RUNS: usize = 5;

/// The tests of this file run one at a time: they measure time and the process's sockets and
/// threads, which the others would disturb.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// The matrix's hostile cases: (name, host, expected code).
fn hostile_cases() -> Vec<(String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../reliability/faults.json");
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases: Vec<_> = spec["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let host = c["host"].as_str()?;
            hostile::by_name(host)?;
            Some((
                c["name"].as_str().unwrap().to_owned(),
                host.to_owned(),
                c["expect"]["code"].as_str().unwrap().to_owned(),
            ))
        })
        .collect();
    // Every hostile name is in the matrix (so every language runs it).
    for (name, _) in hostile::HOSTILE {
        assert!(
            cases.iter().any(|(_, host, _)| host == name),
            "{name} has no case in faults.json"
        );
    }
    cases
}

/// A plain-TCP server on loopback serving `kind` on every connection.
fn plain_server(rt: &tokio::runtime::Runtime, kind: Hostile) -> std::net::SocketAddr {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(async move { kind.serve(conn, &|_, _| {}).await });
        }
    });
    addr
}

/// What `call` returned, and how long it took.
fn timed<T>(call: impl FnOnce() -> T) -> (Duration, T) {
    let started = Instant::now();
    let result = call();
    (started.elapsed(), result)
}

fn check(what: &str, took: Duration, result: wxpay::Result<wxpay::Response>, code: &str) {
    let err = match result {
        Ok(r) => panic!("{what}: answered {}", r.status()),
        Err(e) => e,
    };
    assert_eq!(err.code(), code, "{what}: {err}");
    assert!(err.may_have_been_sent(), "{what}: {err}");
    assert!(
        took <= Duration::from_millis(TIMEOUT_MS + SLACK_MS),
        "{what}: took {took:?} (timeout_ms={TIMEOUT_MS})"
    );
}

async fn hostile_open(sb: &wxpay_sandbox::Sandbox) -> u64 {
    control(sb, "GET", "stats", Value::Null).await["hostile_open"]
        .as_u64()
        .unwrap()
}

/// Wait (up to 5 s) for the sandbox's hostile connections to close: the client dropped them.
async fn all_dropped(sb: &wxpay_sandbox::Sandbox, what: &str) {
    let until = Instant::now() + Duration::from_secs(5);
    while hostile_open(sb).await > 0 {
        assert!(Instant::now() < until, "{what}: a connection was kept open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn every_hostile_server_ends_by_the_deadline_tls_and_plain() {
    let _alone = alone();
    let server = tokio::runtime::Runtime::new().unwrap();
    let sb = server.block_on(tls_sandbox(false));
    // The blocking bindings' shape: the call on a current-thread runtime of its own.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (name, host, code) in hostile_cases() {
        let kind = hostile::by_name(&host).unwrap();
        let tls = rt.block_on(async {
            client(
                &sb,
                json!({"timeout_ms": TIMEOUT_MS, "retries": 0,
                    "resolve": {host.as_str(): sb.addr().to_string()}}),
            )
        });
        let plain_addr = plain_server(&server, kind);
        let plain = rt.block_on(async {
            client(
                &sb,
                json!({"timeout_ms": TIMEOUT_MS, "retries": 0, "insecure_http": true,
                    "base_uri": format!("http://{plain_addr}/hk/")}),
            )
        });
        for run in 0..RUNS {
            let mut order = CloseOrder::transaction_id(format!("{name}-{run}"));
            order.base_uri = Some(format!("https://{host}/hk/"));
            let (took, result) = timed(|| rt.block_on(tls.close(&order)));
            check(&format!("{name} over TLS, run {run}"), took, result, &code);
            if kind.h2() {
                continue; // HTTP/2 is negotiated by ALPN: TLS only
            }
            let order = CloseOrder::transaction_id(format!("{name}-plain-{run}"));
            let (took, result) = timed(|| rt.block_on(plain.close(&order)));
            check(&format!("{name} plain, run {run}"), took, result, &code);
        }
        server.block_on(all_dropped(&sb, &name));
    }
}

#[test]
fn on_a_multi_thread_runtime_too() {
    let _alone = alone();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(multi_thread());
}

/// The bindings' async shape: calls on a multi-thread runtime, four at once.
async fn multi_thread() {
    let sb = tls_sandbox(false).await;
    for (name, host, code) in hostile_cases() {
        let c = client(
            &sb,
            json!({"timeout_ms": TIMEOUT_MS, "retries": 0,
                "resolve": {host.as_str(): sb.addr().to_string()}}),
        );
        // Several at once, as a server's handlers would make them.
        let calls = (0..4).map(|i| {
            let c = c.clone();
            let mut order = CloseOrder::transaction_id(format!("{name}-mt-{i}"));
            order.base_uri = Some(format!("https://{host}/hk/"));
            tokio::spawn(async move {
                let started = Instant::now();
                let result = c.close(&order).await;
                (started.elapsed(), result)
            })
        });
        for call in calls.collect::<Vec<_>>() {
            let (took, result) = call.await.unwrap();
            check(&format!("{name} (multi-thread)"), took, result, &code);
        }
        all_dropped(&sb, &name).await;
    }
}

fn process_status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// This process's open descriptors, threads and resident memory (KiB).
fn usage() -> (usize, u64, u64) {
    (
        std::fs::read_dir("/proc/self/fd").unwrap().count(),
        process_status("Threads:"),
        process_status("VmRSS:"),
    )
}

#[test]
fn a_thousand_hostile_calls_leave_nothing_behind() {
    let _alone = alone();
    let server = tokio::runtime::Runtime::new().unwrap();
    let sb = server.block_on(tls_sandbox(false));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Every hostile server in turn, with a short deadline so that 1,000 calls stay quick.
    let cases = hostile_cases();
    let mut resolve = serde_json::Map::new();
    for (_, host, _) in &cases {
        resolve.insert(host.clone(), json!(sb.addr().to_string()));
    }
    let c = rt.block_on(async {
        client(
            &sb,
            json!({"timeout_ms": 40, "retries": 0, "resolve": resolve}),
        )
    });
    let call = |i: usize| {
        let (name, host, code) = &cases[i % cases.len()];
        let mut order = CloseOrder::transaction_id(format!("leak-{i}"));
        order.base_uri = Some(format!("https://{host}/hk/"));
        let e = rt.block_on(c.close(&order)).unwrap_err();
        // The deadline may come first at 40 ms.
        assert!(e.code() == code || e.code() == "TIMEOUT", "{name}: {e}");
    };
    // Warm up (the TLS session cache, the runtime's timer wheel, allocator arenas).
    for i in 0..50 {
        call(i);
    }
    server.block_on(all_dropped(&sb, "warm-up"));
    let (fds, threads, rss) = usage();
    for i in 0..1000 {
        call(i);
    }

    server.block_on(all_dropped(&sb, "1,000 calls"));
    let (fds_after, threads_after, rss_after) = usage();
    println!(
        "1,000 hostile calls: fds {fds} -> {fds_after}, threads {threads} -> {threads_after}, RSS {rss} -> {rss_after} KiB"
    );
    assert_eq!(fds_after, fds, "sockets left open");
    assert!(
        threads_after <= threads,
        "threads left running: {threads} -> {threads_after}"
    );
    // A leak of one connection's buffers per call (≥ 8 KiB each) would add ≥ 8 MiB.
    assert!(
        rss_after <= rss + 4 * 1024,
        "RSS grew from {rss} to {rss_after} KiB"
    );
}
