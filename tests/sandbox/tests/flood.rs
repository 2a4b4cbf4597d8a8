//! Issue 28's reproduction: a plain-HTTP server on loopback that answers with 1xx heads in large
//! blocks (10,000 per write, as fast as the socket takes them) keeps the connection task busy for
//! seconds per poll, so the call's deadline (500 ms here) fires late: 7–9 s in a debug build on
//! this machine. (Over TLS — the sandbox's `wxpay-flood-big.test` — the same flood ends by the
//! deadline today: the encryption slows the writer enough.) Ignored until issue 28 is fixed (reqwest 0.13 gives
//! no hook to bound the reads or count informational answers; see ARCHITECTURE.md); run it with
//! `cargo test -p wxpay-sandbox --test flood -- --ignored --nocapture`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use wxpay::CloseOrder;

#[test]
#[ignore = "issue 28: the deadline does not hold against a fast 1xx flood yet"]
fn a_large_block_1xx_flood_ends_by_the_deadline() {
    let server = tokio::runtime::Runtime::new().unwrap();
    let sb = server.block_on(tls_sandbox(false));
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let flood_addr = listener.local_addr().unwrap();
    server.spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let block = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(10_000);
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let block = block.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = s.read(&mut buf).await;
                while s.write_all(&block).await.is_ok() {}
            });
        }
    });
    // The blocking bindings' shape: the call on a current-thread runtime of its own.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = rt.block_on(async {
        client(
            &sb,
            json!({"timeout_ms": 500, "retries": 0, "insecure_http": true,
                "base_uri": format!("http://{flood_addr}/hk/")}),
        )
    });
    let mut worst = Duration::ZERO;
    for _ in 0..5 {
        let order = CloseOrder::transaction_id("flood-big-1");
        let started = Instant::now();
        let err = rt.block_on(c.close(&order)).unwrap_err();
        let took = started.elapsed();
        println!("{:?} after {took:?}", err.kind());
        assert_eq!(err.kind(), wxpay::ErrorKind::Timeout, "{err}");
        worst = worst.max(took);
    }
    assert!(worst < Duration::from_millis(600), "worst {worst:?}");
}
