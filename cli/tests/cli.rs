//! The `wxpay` command line against the sandbox over TLS: the seed's call exactly as documented,
//! and each exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use wxpay_sandbox::{Sandbox, SandboxConfig};

const SEED_OPTIONS: &str = r#"{"base_uri":"https://api.mch.weixin.qq.com/hk/","transaction_id":"1217752501201407033233368018","json":{"mchid":"1230000109","sub_mchid":"1230000109","sp_mchid":"1230000109"}}"#;

struct Env {
    rt: tokio::runtime::Runtime,
    sandbox: Sandbox,
    dir: PathBuf,
}

impl Env {
    fn new(strict: bool) -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = rt
            .block_on(Sandbox::start(SandboxConfig {
                tls: true,
                strict,
                ..SandboxConfig::default()
            }))
            .unwrap();
        let dir = std::env::temp_dir().join(format!(
            "wxpay-cli-test-{}-{}",
            std::process::id(),
            sandbox.addr().port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Env { rt, sandbox, dir }
    }

    fn config(&self, extra: Value) -> PathBuf {
        let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/merchant_key.pem");
        let mut c = self.sandbox.client_config(&key);
        c["retries"] = json!(0);
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        let path = self.dir.join(format!("c{}.json", rand_suffix()));
        std::fs::write(&path, c.to_string()).unwrap();
        path
    }

    fn fault(&self, spec: Value) {
        let url = format!("{}_sandbox/faults", self.sandbox.url());
        let ca = std::fs::read(self.sandbox.ca_cert().unwrap()).unwrap();
        self.rt.block_on(async {
            let c = reqwest_like(&ca);
            let r = c
                .post(url)
                .header("Content-Type", "application/json")
                .body(spec.to_string())
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
        });
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn reqwest_like(ca: &[u8]) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_merge(reqwest::Certificate::from_pem_bundle(ca).unwrap())
        .build()
        .unwrap()
}

fn rand_suffix() -> String {
    wxpay::sign::random_nonce()[..8].to_owned()
}

fn wxpay(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let v = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// `wxpay --config C request POST <the seed's template> --options <the seed's options>`.
fn seed_request(c: &std::path::Path) -> (i32, Value, String) {
    wxpay(&[
        "--config",
        c.to_str().unwrap(),
        "request",
        "POST",
        "v3/transactions/id/{transaction_id}/close",
        "--options",
        SEED_OPTIONS,
    ])
}

#[test]
fn seed_call_exactly_as_documented() {
    let env = Env::new(false);
    let c = env.config(json!({}));
    let (code, out, err) = seed_request(&c);
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(out["status"], 204);
    assert_eq!(out["request_id"].as_str().map(str::len), Some(32));
    assert!(out["headers"]["wechatpay-signature"].is_string());
    assert_eq!(out["body"], Value::Null);
}

#[test]
fn a_repeated_header_prints_once_with_its_values_joined() {
    let env = Env::new(false);
    let c = env.config(json!({}));
    env.fault(json!({"fault": "repeated_header"}));
    let (code, out, err) = seed_request(&c);
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(out["headers"]["x-sandbox-repeated"], "one, two");
}

#[test]
fn api_error_exits_3_with_the_json_error_on_stdout() {
    let env = Env::new(true);
    let c = env.config(json!({}));
    let (code, out, _) = wxpay(&[
        "--config",
        c.to_str().unwrap(),
        "close",
        "4200000000",
        "--global",
    ]);
    assert_eq!(code, 3, "{out}");
    assert_eq!(out["error"]["code"], "API");
    assert_eq!(out["error"]["api_code"], "ORDER_NOT_EXIST");
    assert_eq!(out["error"]["status"], 404);
    assert!(out["error"]["request_id"].is_string());
}

#[test]
fn verification_failure_exits_4_transport_and_timeout_exit_5() {
    let env = Env::new(false);
    let c = env.config(json!({}));
    env.fault(json!({"fault": "bad_signature"}));
    let (code, out, _) = wxpay(&["--config", c.to_str().unwrap(), "close", "1"]);
    assert_eq!(code, 4, "{out}");
    assert_eq!(out["error"]["code"], "VERIFY");
    assert_eq!(out["error"]["verify_failure"], "BAD_SIGNATURE");

    // Nothing listens on the resolved port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead =
        env.config(json!({"resolve": {"api.mch.weixin.qq.com": format!("127.0.0.1:{port}")}}));
    let (code, out, _) = wxpay(&["--config", dead.to_str().unwrap(), "close", "1"]);
    assert_eq!(code, 5, "{out}");
    assert_eq!(out["error"]["code"], "TRANSPORT");
    assert_eq!(out["error"]["may_have_been_sent"], false);

    env.fault(json!({"fault": "delay", "delay_ms": 3000}));
    let slow = env.config(json!({"timeout_ms": 200}));
    let (code, out, _) = wxpay(&["--config", slow.to_str().unwrap(), "close", "1"]);
    assert_eq!(code, 5, "{out}");
    assert_eq!(out["error"]["code"], "TIMEOUT");
}

#[test]
fn server_text_never_reaches_the_terminal_raw() {
    let env = Env::new(false);
    let c = env.config(json!({}));
    env.fault(json!({"fault": "hostile_text"}));
    let (code, out, err) = wxpay(&["--config", c.to_str().unwrap(), "close", "1"]);
    assert_eq!(code, 3, "{out}");
    // stdout is one JSON line that keeps the raw text (escaped by the JSON encoder)…
    assert!(out["error"]["api_message"]
        .as_str()
        .unwrap()
        .contains('\u{1b}'));
    // …and stderr is one line without a control character.
    let line = err.strip_suffix('\n').unwrap_or(&err);
    assert!(!line.chars().any(char::is_control), "{err:?}");
    assert!(line.contains("\\u{1b}"), "{err:?}");
}

#[test]
fn a_panic_is_an_internal_error_exit_1_not_101() {
    let env = Env::new(false);
    let c = env.config(json!({}));
    let out = Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .args(["--config", c.to_str().unwrap(), "close", "1"])
        .env("WXPAY_TEST_PANIC", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "INTERNAL");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let env = Env::new(false);
    let good = env.config(json!({}));
    let good = good.to_str().unwrap();
    let bad_key = env.config(json!({"private_key": "file:///nonexistent/apiclient_key.pem"}));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--config", good], "missing command"),
        (vec!["--config", good, "frobnicate"], "unknown command"),
        (vec!["--config", good, "close"], "wrong number"),
        (
            vec!["--config", good, "close", "1", "--options", "{}"],
            "does not apply",
        ),
        (vec!["close", "1"], "--config"),
        (
            vec!["--config", "/nonexistent.json", "close", "1"],
            "cannot read configuration",
        ),
        (
            vec!["--config", bad_key.to_str().unwrap(), "close", "1"],
            "private_key",
        ),
        (
            vec![
                "--config",
                good,
                "request",
                "POST",
                "v3/x/{id}",
                "--options",
                "{",
            ],
            "not valid JSON",
        ),
        (
            vec![
                "--config",
                good,
                "request",
                "POST",
                "v3/x/{id}",
                "--options",
                "{}",
            ],
            "needs a value for `{id}`",
        ),
        (
            vec![
                "--config",
                good,
                "request",
                "TRACE",
                "v3/x",
                "--options",
                "{}",
            ],
            "TRACE",
        ),
    ];
    for (args, want) in cases {
        let (code, out, err) = wxpay(&args);
        assert_eq!(code, 2, "{args:?}: {out}");
        let msg = out["error"]["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(want) || err.contains(want),
            "{args:?}: {msg} / {err}"
        );
    }
}

#[test]
fn prepare_reproduces_the_shared_signing_vector() {
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/signing.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let cfg = std::env::temp_dir().join(format!("wxpay-vectors-{}.json", std::process::id()));
    // Relative file:// paths resolve against the config file's folder; this copy lives in a
    // temporary folder, so make them absolute.
    let abs = |v: &Value| {
        json!(format!(
            "file://{}",
            dir.join(v.as_str().unwrap().trim_start_matches("file://"))
                .display()
        ))
    };
    let mut c = vectors["config"].clone();
    c["private_key"] = abs(&c["private_key"]);
    let certs: serde_json::Map<String, Value> = c["certs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), abs(v)))
        .collect();
    c["certs"] = Value::Object(certs);
    std::fs::write(&cfg, c.to_string()).unwrap();
    for r in vectors["requests"].as_array().unwrap() {
        let (code, out, err) = wxpay(&[
            "--config",
            cfg.to_str().unwrap(),
            "prepare",
            r["method"].as_str().unwrap(),
            r["template"].as_str().unwrap(),
            "--options",
            &r["options"].to_string(),
            "--timestamp",
            &r["timestamp"].to_string(),
            "--nonce",
            r["nonce"].as_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out["url"], r["url"]);
        assert_eq!(out["body"], r["body"]);
        assert_eq!(out["authorization"], r["authorization"], "{}", r["name"]);
    }
    let _ = std::fs::remove_file(cfg);
}

#[test]
fn notification_verifies_a_saved_notification_and_says_what_to_answer() {
    let env = Env::new(false);
    let c = env.config(json!({}));
    let post = |fault: Option<&str>| -> Value {
        let url = format!("{}_sandbox/notifications", env.sandbox.url());
        let ca = std::fs::read(env.sandbox.ca_cert().unwrap()).unwrap();
        env.rt.block_on(async {
            let r = reqwest_like(&ca)
                .post(url)
                .header("Content-Type", "application/json")
                .body(json!({"event": "payment", "fault": fault}).to_string())
                .send()
                .await
                .unwrap();
            serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
        })
    };
    let save = |minted: &Value, as_lines: bool| -> (PathBuf, PathBuf) {
        let h = env.dir.join(format!("h{}", rand_suffix()));
        let b = env.dir.join(format!("b{}", rand_suffix()));
        let headers = if as_lines {
            let mut text = "POST /notify HTTP/1.1\r\n".to_owned();
            for p in minted["headers"].as_array().unwrap() {
                text.push_str(&format!(
                    "{}: {}\r\n",
                    p[0].as_str().unwrap(),
                    p[1].as_str().unwrap()
                ));
            }
            text
        } else {
            minted["headers"].to_string()
        };
        std::fs::write(&h, headers).unwrap();
        std::fs::write(&b, minted["body"].as_str().unwrap()).unwrap();
        (h, b)
    };
    for as_lines in [false, true] {
        let minted = post(None);
        let (h, b) = save(&minted, as_lines);
        let (code, out, err) = wxpay(&[
            "--config",
            c.to_str().unwrap(),
            "notification",
            "--headers",
            h.to_str().unwrap(),
            "--body",
            b.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{out} {err}");
        assert_eq!(out["notification"]["event_type"], "TRANSACTION.SUCCESS");
        assert_eq!(out["notification"]["id"], minted["id"]);
        assert_eq!(out["answer"]["status"], 204);
    }
    let minted = post(Some("signtest"));
    let (h, b) = save(&minted, false);
    let (code, out, _) = wxpay(&[
        "--config",
        c.to_str().unwrap(),
        "notification",
        "--headers",
        h.to_str().unwrap(),
        "--body",
        b.to_str().unwrap(),
    ]);
    assert_eq!(code, 4);
    assert_eq!(out["error"]["verify_failure"], "SIGNTEST");
    assert_eq!(out["answer"]["status"], 401);
    let (code, out, _) = wxpay(&[
        "--config",
        c.to_str().unwrap(),
        "notification",
        "--headers",
        h.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}");

    let (code, out, _) = wxpay(&["--config", c.to_str().unwrap(), "encrypt-field", "张三"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["serial"], env.sandbox.platform_serial());
    assert_eq!(out["ciphertext"].as_str().unwrap().len(), 344);
    let (code, out, err) = wxpay(&["--config", c.to_str().unwrap(), "echo", "hello"]);
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(out["body"]["echo_message"], "hello");
    let echoed = out["body"]["encrypted_echo_message"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, out, _) = wxpay(&["--config", c.to_str().unwrap(), "decrypt-field", &echoed]);
    assert_eq!((code, out["plaintext"].as_str()), (0, Some("hello")));
    let (code, out, _) = wxpay(&["--config", c.to_str().unwrap(), "decrypt-field", "AAAA"]);
    assert_eq!((code, out["error"]["code"].as_str()), (4, Some("DECODE")));
}

#[test]
fn certificates_download_writes_the_pem_files_and_prints_the_certs_map() {
    let env = Env::new(false);
    let ca = std::fs::read(env.sandbox.ca_cert().unwrap()).unwrap();
    let mode = |m: &str| {
        let url = format!("{}_sandbox/certificates", env.sandbox.url());
        env.rt.block_on(async {
            reqwest_like(&ca)
                .post(url)
                .header("Content-Type", "application/json")
                .body(json!({"mode": m}).to_string())
                .send()
                .await
                .unwrap();
        })
    };
    mode("certificate");
    // A new merchant's configuration: no certs, no apiv3_key in the file (given on the command line).
    let mut c: Value =
        serde_json::from_str(&std::fs::read_to_string(env.config(json!({}))).unwrap()).unwrap();
    let key_file = c["apiv3_key"].as_str().unwrap().to_owned();
    c.as_object_mut().unwrap().remove("certs");
    c.as_object_mut().unwrap().remove("apiv3_key");
    let path = env.dir.join("new-merchant.json");
    std::fs::write(&path, c.to_string()).unwrap();
    let out_dir = env.dir.join("certs");
    let (code, out, err) = wxpay(&[
        "--config",
        path.to_str().unwrap(),
        "certificates",
        "download",
        "--apiv3-key",
        &key_file,
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out} {err}");
    let serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
    assert_eq!(out["certificates"][0]["serial"], serial);
    let file = out["certs"][serial].as_str().unwrap();
    assert!(std::fs::read_to_string(file.trim_start_matches("file://"))
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    // The printed map, configured, verifies the sandbox's answers.
    c["certs"] = out["certs"].clone();
    std::fs::write(&path, c.to_string()).unwrap();
    let (code, out, err) = wxpay(&[
        "--config",
        path.to_str().unwrap(),
        "close",
        "cli-downloaded",
    ]);
    assert_eq!(code, 0, "{out} {err}");
    let (code, out, _) = wxpay(&["--config", path.to_str().unwrap(), "certificates", "list"]);
    assert_eq!((code, out["keys"][0]["id"].as_str()), (0, Some(serial)));
    // A wrong key: exit 4 (DECODE) and the reason.
    let (code, out, _) = wxpay(&[
        "--config",
        path.to_str().unwrap(),
        "certificates",
        "download",
        "--apiv3-key",
        "0123456789abcdef0123456789ABCDEF",
    ]);
    assert_eq!(code, 4, "{out}");
    assert!(out["error"]["message"]
        .as_str()
        .unwrap()
        .contains("wrong APIv3 key"));
    mode("public_key");
}

#[test]
fn upload_bill_and_statement_downloads() {
    let env = Env::new(false);
    let c = env.config(json!({}));
    let c = c.to_str().unwrap();
    // An image upload: the meta signed, the sandbox checks the file's SHA-256 in it.
    let image = env.dir.join("photo.jpg");
    std::fs::write(&image, b"\xFF\xD8\xFF\xE0 not really a jpeg").unwrap();
    let (code, v, _) = wxpay(&[
        "--config",
        c,
        "upload",
        "v3/merchant/media/upload",
        image.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert!(v["body"].to_string().contains("sandbox-media-"), "{v}");
    // Too big for the endpoint: exit 2, nothing sent.
    let big = env.dir.join("big.png");
    std::fs::write(&big, vec![0u8; 2 * 1024 * 1024 + 1]).unwrap();
    let (code, v, _) = wxpay(&[
        "--config",
        c,
        "upload",
        "v3/merchant-service/images/upload",
        big.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 2097152 bytes"),
        "{v}"
    );

    // The B1 bill, gzip, its digest checked; then the statement of the same day.
    let out = env.dir.join("bill.csv");
    let (code, v, _) = wxpay(&[
        "--config",
        c,
        "bill",
        "download",
        "tradebill",
        "--date",
        "2019-02-01",
        "--gzip",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["sha1"], "9bb6cd819be348f17a9cbcedddc8eb62fefbd790");
    assert_eq!(
        (v["checked"].as_bool(), v["bytes"].as_u64()),
        (Some(true), Some(14_686))
    );
    let (code, v, _) = wxpay(&[
        "--config",
        c,
        "statement",
        "download",
        "global",
        "--date",
        "20190201",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["sha1"], "9bb6cd819be348f17a9cbcedddc8eb62fefbd790");

    // A wrong digest: exit 4 (verification), no file.
    std::fs::remove_file(&out).unwrap();
    env.fault(json!({"fault": "wrong_digest", "path": "/v3/bill/fundflowbill"}));
    let (code, v, _) = wxpay(&[
        "--config",
        c,
        "bill",
        "download",
        "fundflowbill",
        "--date",
        "2026-11-26",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 4, "{v}");
    assert_eq!(v["error"]["verify_failure"], "DIGEST_MISMATCH", "{v}");
    assert!(!out.exists());
    // Another host's download_url never gets the signature.
    let (code, v, _) = wxpay(&[
        "--config",
        c,
        "download",
        "https://evil.example/x?token=1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{v}");
    assert!(!out.exists());
}

#[test]
fn call_takes_any_typed_call_of_the_catalogue_and_calls_lists_them() {
    // `calls` needs no configuration.
    let (code, out, err) = wxpay(&["calls"]);
    assert_eq!(code, 0, "{out} {err}");
    let names: Vec<&str> = out["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"query_out_trade_no"), "{names:?}");
    let (code, out, _) = wxpay(&["calls", "close_transaction"]);
    assert_eq!(code, 0);
    assert_eq!(out["lead"], "transaction_id");
    let (code, out, _) = wxpay(&["calls", "close_order"]);
    assert_eq!(code, 2);
    assert!(out["error"]["message"]
        .as_str()
        .unwrap()
        .contains("close_transaction"));

    let env = Env::new(false);
    let c = env.config(json!({}));
    let c = c.to_str().unwrap();
    let (code, out, err) = wxpay(&[
        "--config",
        c,
        "call",
        "close_out_trade_no",
        "--args",
        r#"{"out_trade_no":"shop-cli-1"}"#,
    ]);
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(out["status"], 204);
    let (code, out, err) = wxpay(&[
        "--config",
        c,
        "call",
        "query_out_trade_no",
        "--args",
        r#"{"outTradeNo":"shop-cli-1"}"#,
    ]);
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(out["result"]["trade_state"], "CLOSED");
    assert_eq!(out["body"]["trade_state"], "CLOSED");

    // A bad argument: exit 2, the argument named, nothing sent.
    let (code, out, _) = wxpay(&[
        "--config",
        c,
        "call",
        "query_out_trade_no",
        "--args",
        r#"{"out_trade_no":"a/b"}"#,
    ]);
    assert_eq!(code, 2);
    assert_eq!(out["error"]["argument"], "out_trade_no");
    assert_eq!(out["error"]["may_have_been_sent"], false);

    // The dry run is the exact, deterministic request.
    let dry = |c: &str| {
        wxpay(&[
            "--config",
            c,
            "call",
            "close_transaction",
            "--args",
            r#"{"transaction_id":"42"}"#,
            "--dry-run",
            "--timestamp",
            "1700000000",
            "--nonce",
            "n1",
        ])
    };
    let (code, a, err) = dry(c);
    assert_eq!(code, 0, "{a} {err}");
    assert!(a["url"]
        .as_str()
        .unwrap()
        .ends_with("/hk/v3/transactions/id/42/close"));
    assert_eq!(dry(c).1, a);
    let (code, _, err) = wxpay(&["--config", c, "call", "close_transaction", "--nonce", "n"]);
    assert_eq!(code, 2, "{err}");
}

/// `wxpay sandbox` as a merchant runs it: one JSON line on stdout, a client configuration that
/// needs nothing from this source tree, strict unknown orders, the payer played over the control
/// API, and the state folder gone after SIGTERM.
#[test]
fn sandbox_subcommand_starts_a_local_wechat_pay_with_a_ready_configuration() {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .args(["sandbox", "--fast-notifications"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    let config = PathBuf::from(info["client_config"].as_str().unwrap());
    let state = config.parent().unwrap().to_owned();
    assert_eq!(info["tls"], true);
    assert_eq!(info["mchid"], "1230000109");
    assert!(Path::new(info["merchant_key"].as_str().unwrap()).starts_with(&state));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(!text.contains(env!("CARGO_MANIFEST_DIR")), "{text}");

    let c = config.to_str().unwrap();
    let (code, out, _) = wxpay(&[
        "--config",
        c,
        "call",
        "query_out_trade_no",
        "--args",
        r#"{"out_trade_no":"never-created","endpoint":"mainland"}"#,
    ]);
    assert_eq!(
        (code, out["error"]["api_code"].as_str()),
        (3, Some("ORDER_NOT_EXIST")),
        "{out}"
    );
    let create = r#"{"endpoint":"mainland","appid":"wxd678efh567hg6787","out_trade_no":"cli-day-1",
        "description":"QQ","amount":100,"notify_url":"http://127.0.0.1:9/notify"}"#;
    let (code, out, err) = wxpay(&["--config", c, "call", "create_native", "--args", create]);
    assert_eq!(code, 0, "{out} {err}");
    assert!(
        out["result"]["code_url"]
            .as_str()
            .unwrap()
            .starts_with("weixin://"),
        "{out}"
    );

    let ca = std::fs::read(info["ca_cert"].as_str().unwrap()).unwrap();
    let pay = format!("{}pay", info["control"].as_str().unwrap()).replace("127.0.0.1", "localhost");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest_like(&ca)
            .post(pay)
            .body(r#"{"out_trade_no":"cli-day-1"}"#)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(status.is_success(), "{status}");
    let (code, out, _) = wxpay(&[
        "--config",
        c,
        "call",
        "query_out_trade_no",
        "--args",
        r#"{"out_trade_no":"cli-day-1","endpoint":"mainland"}"#,
    ]);
    assert_eq!(
        (code, out["result"]["trade_state"].as_str()),
        (0, Some("SUCCESS")),
        "{out}"
    );

    // SIGTERM: it stops and removes its temporary state folder.
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(!state.exists(), "{} still exists", state.display());
    let mut guide = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut guide)
        .unwrap();
    assert!(guide.contains("TEST ONLY") && guide.contains(c), "{guide}");
}
