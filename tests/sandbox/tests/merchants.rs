//! Many merchants in one process (issue 27 §2): a platform's 1,000 merchants, each with its own
//! mchid, certificate serial and key, built through the bindings' client cache
//! (`ForkSafeClient::shared`) and called round robin 64 at a time. Every request the sandbox saw
//! carries its own merchant's mchid and serial and a signature its own key verifies (the sandbox
//! checks the signature against the mchid's key and the body's mchid against the signer, so a
//! mix-up is a 401 or a 403); the merchants share a handful of connections; memory per merchant
//! is measured and printed.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use base64::Engine;
use common::*;
use serde_json::{json, Value};
use wxpay::process::{
    client_cache_capacity, client_cache_len, set_client_cache_capacity, ForkSafeClient,
};
use wxpay::CloseOrder;
use wxpay_sandbox::{Sandbox, SandboxConfig};

const MERCHANTS: usize = 1_000;
/// Distinct RSA keys among them (generating 1,000 would take most of a minute): merchant `i`
/// has key `i % KEYS`, so neighbours in the round robin never share one, and each merchant still
/// has its own mchid and serial.
const KEYS: usize = 25;
const IN_FLIGHT: usize = 64;
const ROUNDS: usize = 2;

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn mchid(i: usize) -> String {
    format!("{}", 1_900_000_000 + i)
}

fn serial(i: usize) -> String {
    format!("{:040X}", 0x5EC0_0000_u64 + i as u64)
}

/// This process's resident memory, in bytes.
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

/// `mchid` → `serial_no` of an `Authorization: WECHATPAY2-SHA256-RSA2048 …` header.
fn auth_fields(auth: &str) -> (String, String) {
    let field = |name: &str| {
        let start = auth.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        auth[start..start + auth[start..].find('"').unwrap()].to_owned()
    };
    (field("mchid"), field("serial_no"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_merchants_share_connections_and_never_each_others_keys() {
    let dir = std::env::temp_dir().join(format!("wxpay-merchants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keys: Vec<(String, std::path::PathBuf)> = (0..KEYS)
        .map(|k| {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
            let private: Pkcs8V1Der = pair.as_der().unwrap();
            let public: PublicKeyX509Der = aws_lc_rs::signature::KeyPair::public_key(&pair)
                .as_der()
                .unwrap();
            let path = dir.join(format!("merchant-{k}.pub.pem"));
            std::fs::write(&path, pem("PUBLIC KEY", public.as_ref())).unwrap();
            (pem("PRIVATE KEY", private.as_ref()), path)
        })
        .collect();
    let sb = Sandbox::start(SandboxConfig {
        tls: true,
        merchants: (0..MERCHANTS)
            .map(|i| (mchid(i), keys[i % KEYS].1.clone()))
            .collect(),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");

    // The platform's process: a cache big enough for its merchants.
    let default_capacity = client_cache_capacity().unwrap();
    set_client_cache_capacity(MERCHANTS + 100).unwrap();
    let before = rss();
    let clients: Vec<Arc<wxpay::Client>> = (0..MERCHANTS)
        .map(|i| {
            let mut c = config_value(&sb, json!({"timeout_ms": 30_000}));
            c["mchid"] = json!(mchid(i));
            c["serial"] = json!(serial(i));
            c["private_key"] = json!(keys[i % KEYS].0);
            let config = wxpay::Config::from_value(&c, None).unwrap();
            ForkSafeClient::shared(config).unwrap().get().unwrap()
        })
        .collect();
    let per_merchant = (rss().saturating_sub(before)) / MERCHANTS;
    println!(
        "{MERCHANTS} merchants: {:.1} KiB of memory each (client, parsed RSA-2048 key, platform key, cache entry)",
        per_merchant as f64 / 1024.0
    );
    // The goal is 32 KiB beyond the key material; a regression past twice that fails here
    // (memory, unlike time, does not depend on how busy the machine is).
    assert!(
        per_merchant <= 64 * 1024,
        "{per_merchant} bytes per merchant"
    );
    assert_eq!(client_cache_len(), MERCHANTS);
    let key = clients[0].transport_key();
    assert!(clients.iter().all(|c| c.transport_key() == key));
    // Building one again is the cached client: no key parsed twice.
    let mut again = config_value(&sb, json!({"timeout_ms": 30_000}));
    again["mchid"] = json!(mchid(7));
    again["serial"] = json!(serial(7));
    again["private_key"] = json!(keys[7 % KEYS].0);
    let again = ForkSafeClient::shared(wxpay::Config::from_value(&again, None).unwrap()).unwrap();
    assert!(Arc::ptr_eq(&again.get().unwrap(), &clients[7]));

    let connections_before = control(&sb, "GET", "stats", Value::Null).await["connections"]
        .as_u64()
        .unwrap();
    // Cold: the burst starts on an empty pool. The first call to the host makes the connection
    // while the others wait for it (hyper's pool cannot know before ALPN that one h2
    // connection serves them all), then all 64 in flight multiplex on it.
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..MERCHANTS * ROUNDS {
        let i = n % MERCHANTS;
        let permit = gate.clone().acquire_owned().await.unwrap();
        let client = clients[i].clone();
        tasks.spawn(async move {
            // The typed close puts the client's own mchid in the body: the sandbox refuses a
            // body of another merchant than the signer (403), a signature of another key (401).
            let outcome = client
                .close(&CloseOrder::out_trade_no(format!("M{i}-{n}")))
                .await;
            drop(permit);
            (i, outcome.map(|r| r.status()).map_err(|e| e.to_string()))
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (i, outcome) = done.unwrap();
        assert_eq!(outcome, Ok(204), "merchant {i} ({})", mchid(i));
    }
    let connections = control(&sb, "GET", "stats", Value::Null).await["connections"]
        .as_u64()
        .unwrap()
        - connections_before;
    println!(
        "{} calls of {MERCHANTS} merchants, {IN_FLIGHT} in flight: {connections} connection(s)",
        MERCHANTS * ROUNDS
    );
    // One shared pool: HTTP/2 multiplexes the 64 calls in flight. Not one per merchant, and
    // not one per call of the cold burst.
    assert_eq!(
        connections, 1,
        "{connections} connections for {MERCHANTS} merchants"
    );

    // Every request the sandbox saw: its own merchant's mchid and serial, and (status 204)
    // a signature its mchid's key verified.
    let log = requests(&sb).await;
    let closes: Vec<&Value> = log
        .iter()
        .filter(|r| r["target"].as_str().unwrap_or("").contains("/close"))
        .collect();
    assert_eq!(closes.len(), MERCHANTS * ROUNDS);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in closes {
        let target = r["target"].as_str().unwrap();
        let i: usize = target
            .split("/out-trade-no/M")
            .nth(1)
            .and_then(|t| t.split('-').next())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("unexpected target {target}"));
        let auth = r["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("authorization"))
            .and_then(|h| h[1].as_str())
            .unwrap();
        assert_eq!(auth_fields(auth), (mchid(i), serial(i)), "{target}");
        assert_eq!(r["status"], 204, "{target}");
        let body: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["mchid"], mchid(i), "{target}");
        *seen.entry(mchid(i)).or_default() += 1;
    }
    assert_eq!(seen.len(), MERCHANTS);
    assert!(seen.values().all(|&n| n == ROUNDS));

    set_client_cache_capacity(default_capacity).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
