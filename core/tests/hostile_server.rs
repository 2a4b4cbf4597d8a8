//! A hostile server on loopback (raw HTTP/1.1 over plain TCP, `insecure_http`): what it sends
//! must never crash, hang or stretch a call, whatever the bytes.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wxpay::{Client, CloseOrder, Config};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures"))
}

/// Serve every connection with `answer(request_bytes, socket)`.
async fn hostile<F, Fut>(answer: F) -> std::net::SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                // Read the request head (and whatever body came with it).
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                answer(s).await;
            });
        }
    });
    addr
}

fn order(addr: std::net::SocketAddr) -> CloseOrder {
    let mut o = CloseOrder::transaction_id("4200000001");
    o.base_uri = Some(format!("http://{addr}/hk/"));
    o
}

fn client(addr: std::net::SocketAddr, timeout_ms: u64) -> Client {
    let v = json!({
        "mchid": "1230000109",
        "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
        "private_key": "file://merchant_key.pem",
        "certs": {"PUB_KEY_ID_0112300001092026112600000000000001": "file://platform_pub.pem"},
        "base_uri": format!("http://{addr}/hk/"),
        "insecure_http": true,
        "timeout_ms": timeout_ms,
        "retries": 0,
    });
    Client::new(&Config::from_value(&v, Some(fixtures())).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_1xx_answers_does_not_stretch_the_deadline() {
    let addr = hostile(|mut s| async move {
        let chunk = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(64);
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            if s.write_all(&chunk).await.is_err() {
                return;
            }
        }
    })
    .await;
    let c = client(addr, 500);
    let t = Instant::now();
    let e = c.close(&order(addr)).await.unwrap_err();
    let took = t.elapsed();
    // Past 8 informational answers the call ends at once, saying why.
    assert_eq!(e.code(), "TRANSPORT", "{e}");
    assert!(e.message().contains("informational (1xx)"), "{e}");
    assert!(e.may_have_been_sent(), "{e}");
    assert!(took < Duration::from_millis(500), "took {took:?}");
}

#[tokio::test]
async fn up_to_eight_informational_answers_precede_the_final_one() {
    for (early, code) in [(0, "VERIFY"), (8, "VERIFY"), (9, "TRANSPORT")] {
        let addr = hostile(move |mut s| async move {
            let mut answer =
                b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n".repeat(early);
            // The final answer (unsigned: VERIFY says it was read and checked).
            answer.extend_from_slice(b"HTTP/1.1 204 No Content\r\n\r\n");
            let _ = s.write_all(&answer).await;
            let _ = s.flush().await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        })
        .await;
        let e = client(addr, 2000).close(&order(addr)).await.unwrap_err();
        assert_eq!(e.code(), code, "{early} early answers: {e}");
    }
}

#[tokio::test]
async fn a_timestamp_at_i64_min_is_a_malformed_header_not_a_panic() {
    let addr = hostile(|mut s| async move {
        let _ = s
            .write_all(
                b"HTTP/1.1 204 No Content\r\nWechatpay-Timestamp: -9223372036854775808\r\n\
                  Wechatpay-Nonce: n\r\nWechatpay-Signature: AAAA\r\n\
                  Wechatpay-Serial: PUB_KEY_ID_0112300001092026112600000000000001\r\n\r\n",
            )
            .await;
    })
    .await;
    let e = client(addr, 2000).close(&order(addr)).await.unwrap_err();
    assert_eq!(e.code(), "VERIFY", "{e}");
}
