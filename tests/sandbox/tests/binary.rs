//! The `wxpay-sandbox` command line: the JSON start-up line, flags, and clean shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use wxpay::{Client, Config, ErrorKind, RequestOptions};

fn fixture(name: &str) -> String {
    format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn prints_one_json_line_serves_tls_for_extra_hostnames_and_cleans_up() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxpay-sandbox"))
        .args(["--tls", "--strict", "--hostname", "pay.test.internal"])
        .args([
            "--merchant",
            &format!("1230000109={}", fixture("merchant_cert.pem")),
        ])
        .args(["--platform-key", &fixture("platform_cert_key.pem")])
        .args([
            "--platform-serial",
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).expect("one JSON line");
    for key in ["url", "ca_cert", "platform_serial", "platform_public_key"] {
        assert!(info[key].is_string(), "{key} in {info}");
    }
    assert!(info["url"]
        .as_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    assert_eq!(
        info["platform_serial"],
        "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    );

    // Certificate mode: the platform certificate, keyed by its serial, verifies the answers.
    let config = Config::from_value(
        &json!({
            "mchid": "1230000109",
            "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
            "private_key": format!("file://{}", fixture("merchant_key.pem")),
            "certs": {"5157F09EFDC096DE15EBE81A47057A7232F1B8E1": format!("file://{}", fixture("platform_cert.pem"))},
            "ca_certs": [format!("file://{}", info["ca_cert"].as_str().unwrap())],
            "resolve": {"pay.test.internal": info["addr"]},
            "base_uri": "https://pay.test.internal/hk/",
            "retries": 0,
        }),
        None,
    )
    .unwrap();
    let client = Client::new(&config).unwrap();
    let opts = RequestOptions::from_value(
        &json!({"transaction_id": "unknown", "json": {"mchid": "1230000109"}}),
    )
    .unwrap();
    let e = client
        .request("POST", "v3/transactions/id/{transaction_id}/close", &opts)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api, "{e}");
    assert_eq!(e.api().unwrap().code, "ORDER_NOT_EXIST", "--strict");

    let state_dir = std::path::Path::new(info["ca_cert"].as_str().unwrap())
        .parent()
        .unwrap()
        .to_owned();
    assert!(state_dir.exists());
    kill_term(child.id());
    let status = child.wait().unwrap();
    assert!(status.success(), "exits cleanly on SIGTERM: {status:?}");
    assert!(!state_dir.exists(), "temporary state folder removed");
}

fn kill_term(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn bad_flags_exit_2_with_a_reason() {
    for args in [
        vec!["--listen", "nope"],
        vec!["--merchant", "abc"],
        vec!["--platform-key", "x"],
        vec!["--bogus"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_wxpay-sandbox"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    let out = Command::new(env!("CARGO_BIN_EXE_wxpay-sandbox"))
        .args(["--merchant", "1=/nonexistent.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.pem"));
}
