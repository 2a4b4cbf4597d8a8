//! Helpers shared by the sandbox's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use wxpay::{Client, Config};
use wxpay_sandbox::{Sandbox, SandboxConfig};

/// `tests/fixtures/NAME` of the repository (these helpers serve more than one crate's tests).
pub fn fixture(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|p| p.join("tests/fixtures").is_dir())
        .expect("tests/fixtures above the crate");
    root.join("tests/fixtures").join(name)
}

pub async fn tls_sandbox(strict: bool) -> Sandbox {
    Sandbox::start(SandboxConfig {
        tls: true,
        strict,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// The test merchant's configuration (JSON) for `sb`, with `extra` fields merged in.
pub fn config_value(sb: &Sandbox, extra: Value) -> Value {
    let mut c = sb.client_config(&fixture("merchant_key.pem"));
    c["retries"] = json!(0);
    c["timeout_ms"] = json!(5000);
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

/// The test merchant's configuration for `sb`, with `extra` fields merged in.
pub fn config(sb: &Sandbox, extra: Value) -> Config {
    Config::from_value(&config_value(sb, extra), None).expect("config is valid")
}

pub fn client(sb: &Sandbox, extra: Value) -> Client {
    Client::new(&config(sb, extra)).expect("client builds")
}

/// A plain HTTP client for the control API (trusts the sandbox CA), one per sandbox: building
/// one loads the system's trust store, which is slow to do per request.
pub fn control_client(sb: &Sandbox) -> reqwest::Client {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CLIENTS: OnceLock<Mutex<HashMap<String, reqwest::Client>>> = OnceLock::new();
    // Keyed by the sandbox's CA file (unique per sandbox), not its port, which can be reused.
    let key = sb
        .ca_cert()
        .map_or_else(|| sb.url(), |p| p.display().to_string());
    let mut cache = CLIENTS.get_or_init(Default::default).lock().unwrap();
    cache
        .entry(key)
        .or_insert_with(|| new_control_client(sb))
        .clone()
}

fn new_control_client(sb: &Sandbox) -> reqwest::Client {
    let mut b = reqwest::Client::builder().no_proxy();
    if let Some(ca) = sb.ca_cert() {
        let pem = std::fs::read(ca).unwrap();
        b = b.tls_certs_merge(reqwest::Certificate::from_pem_bundle(&pem).unwrap());
    }
    b.build().unwrap()
}

pub async fn control(sb: &Sandbox, method: &str, path: &str, body: Value) -> Value {
    let c = control_client(sb);
    let url = format!(
        "{}_sandbox/{path}",
        sb.url().replace("127.0.0.1", "localhost")
    );
    let req = c.request(method.parse().unwrap(), url);
    let req = if body.is_null() {
        req
    } else {
        req.json_body(&body)
    };
    let resp = req.send().await.expect("control API answers");
    assert!(
        resp.status().is_success(),
        "control {method} {path}: {}",
        resp.status()
    );
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

pub async fn fault(sb: &Sandbox, spec: Value) {
    control(sb, "POST", "faults", spec).await;
}

pub async fn requests(sb: &Sandbox) -> Vec<Value> {
    control(sb, "GET", "requests", Value::Null)
        .await
        .as_array()
        .unwrap()
        .clone()
}

trait JsonBody {
    fn json_body(self, v: &Value) -> Self;
}
impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, v: &Value) -> Self {
        self.header("Content-Type", "application/json")
            .body(serde_json::to_vec(v).unwrap())
    }
}

/// One HTTP/1.1 request from `s`: its headers and its Content-Length body.
pub async fn read_request(s: &mut tokio::net::TcpStream) -> (Vec<(String, String)>, Vec<u8>) {
    use tokio::io::AsyncReadExt;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            // Closed before a whole request: nothing to hand on.
            return (Vec::new(), Vec::new());
        }
        raw.extend_from_slice(&buf[..n]);
        let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..at]).into_owned();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap();
        if raw.len() >= at + 4 + len {
            let headers = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
                .collect();
            return (headers, raw[at + 4..at + 4 + len].to_vec());
        }
    }
}
