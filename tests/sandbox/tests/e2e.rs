//! The core against the sandbox over real HTTPS (with `resolve` + `ca_certs`): the close call,
//! each API error, retries, timeouts, dropped connections and every verification failure.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use wxpay::{Client, CloseEndpoint, CloseOrder, ErrorKind, FixedClock, RequestOptions};
use wxpay_sandbox::Sandbox;

const SEED_TEMPLATE: &str = "v3/transactions/id/{transaction_id}/close";

fn seed_options(id: &str) -> RequestOptions {
    RequestOptions::from_value(&json!({
        "base_uri": "https://api.mch.weixin.qq.com/hk/",
        "transaction_id": id,
        "json": {"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"}
    }))
    .unwrap()
}

async fn close_seed(client: &Client, id: &str) -> wxpay::Result<wxpay::Response> {
    client
        .request("POST", SEED_TEMPLATE, &seed_options(id))
        .await
}

#[tokio::test]
async fn seed_close_call_gives_204_over_tls_at_the_real_host_name() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let r = close_seed(&client, "1217752501201407033233368018")
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.body().is_empty());
    assert_eq!(r.request_id().map(str::len), Some(32));
    let log = requests(&sb).await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0]["target"],
        "/hk/v3/transactions/id/1217752501201407033233368018/close"
    );
    assert_eq!(
        log[0]["body"],
        r#"{"mchid":"1230000109","sub_mchid":"1230000109","sp_mchid":"1230000109"}"#
    );
    let host = log[0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "host")
        .map(|h| h[1].clone());
    // HTTP/2 carries the host in :authority, which hyper exposes as the URI, not a header.
    if let Some(h) = host {
        assert_eq!(h, "api.mch.weixin.qq.com");
    }
    let state = control(
        &sb,
        "GET",
        "orders/1217752501201407033233368018",
        Value::Null,
    )
    .await;
    assert_eq!(state["state"], "CLOSED");
}

#[tokio::test]
async fn typed_close_on_every_endpoint_and_id_kind() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let mut cases = Vec::new();
    for endpoint in [CloseEndpoint::HkLegacy, CloseEndpoint::Global] {
        let mut by_id = CloseOrder::transaction_id("4200000001");
        by_id.endpoint = endpoint;
        let mut by_no = CloseOrder::out_trade_no("shop-order-7");
        by_no.endpoint = endpoint;
        by_no.sub_mchid = Some("1900000109".into());
        cases.push(by_id);
        cases.push(by_no);
    }
    for order in &cases {
        let r = client
            .close(order)
            .await
            .unwrap_or_else(|e| panic!("{order:?}: {e}"));
        assert_eq!(r.status(), 204);
    }
    let log = requests(&sb).await;
    let targets: Vec<&str> = log.iter().map(|l| l["target"].as_str().unwrap()).collect();
    assert_eq!(
        targets,
        [
            "/hk/v3/transactions/id/4200000001/close",
            "/hk/v3/transactions/out-trade-no/shop-order-7/close",
            "/v3/global/transactions/id/4200000001/close",
            "/v3/global/transactions/out-trade-no/shop-order-7/close",
        ]
    );
    assert_eq!(log[0]["body"], r#"{"mchid":"1230000109"}"#);
    assert_eq!(
        log[1]["body"],
        r#"{"sub_mchid":"1900000109","sp_mchid":"1230000109"}"#
    );
}

#[tokio::test]
async fn get_with_query_returns_a_verified_json_body() {
    let sb = tls_sandbox(false).await;
    control(
        &sb,
        "POST",
        "orders",
        json!({"id": "42", "state": "SUCCESS"}),
    )
    .await;
    let client = client(&sb, json!({}));
    let opts = RequestOptions::from_value(
        &json!({"transaction_id": "42", "query": {"mchid": "1230000109"}}),
    )
    .unwrap();
    let r = client
        .request(
            "GET",
            "https://apihk.mch.weixin.qq.com/v3/global/transactions/id/{transaction_id}",
            &opts,
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json().unwrap()["trade_state"], "SUCCESS");
}

#[tokio::test]
async fn api_errors_carry_status_code_message_request_id_and_body() {
    let sb = tls_sandbox(true).await;
    let client = client(&sb, json!({"retries": 3}));

    let e = close_seed(&client, "no-such-order").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api);
    let api = e.api().unwrap();
    assert_eq!((api.status, api.code.as_str()), (404, "ORDER_NOT_EXIST"));
    assert!(!api.message.is_empty());
    assert_eq!(api.request_id.as_deref().map(str::len), Some(32));
    assert_eq!(e.request_id(), api.request_id.as_deref());
    assert!(String::from_utf8_lossy(&api.body).contains("ORDER_NOT_EXIST"));
    assert!(e.may_have_been_sent());
    assert_eq!(requests(&sb).await.len(), 1, "a 404 is never retried");

    control(
        &sb,
        "POST",
        "orders",
        json!({"id": "paid-1", "state": "SUCCESS"}),
    )
    .await;
    let e = close_seed(&client, "paid-1").await.unwrap_err();
    assert_eq!(
        (e.status(), e.api().unwrap().code.as_str()),
        (Some(400), "ORDERPAID")
    );
    assert_eq!(requests(&sb).await.len(), 2, "a 400 is never retried");

    let json_err = e.to_json();
    assert_eq!(json_err["code"], "API");
    assert_eq!(json_err["api_code"], "ORDERPAID");
    assert_eq!(json_err["status"], 400);
}

#[tokio::test]
async fn sign_error_surfaces_the_servers_sign_information() {
    let sb = tls_sandbox(false).await;
    // A key that is not the merchant's: the sandbox cannot verify the signature.
    let client = client(
        &sb,
        json!({"private_key": format!("file://{}", fixture("other_key.pem").display())}),
    );
    let e = close_seed(&client, "1217752501201407033233368018")
        .await
        .unwrap_err();
    let api = e.api().expect("API error");
    assert_eq!((api.status, api.code.as_str()), (401, "SIGN_ERROR"));
    let info = api.sign_information.as_ref().expect("sign_information");
    assert_eq!(
        info["url"],
        "/hk/v3/transactions/id/1217752501201407033233368018/close"
    );
    assert!(e.message().contains("sign_information"), "{}", e.message());
    // What wxpay signed, to compare with sign_information: the message lines, the body as
    // length and hash, the merchant serial; never a key, never the signature.
    let m = e.message();
    assert!(
        m.contains(
            "wxpay signed `POST\\n/hk/v3/transactions/id/1217752501201407033233368018/close\\n"
        ),
        "{m}"
    );
    assert!(m.contains("<body: ") && m.contains("SHA-256"), "{m}");
    assert!(
        m.contains("3775B6A45ACD588826D15E583A95F5DD00000001"),
        "{m}"
    );
    let key = std::fs::read_to_string(fixture("other_key.pem")).unwrap();
    assert!(
        !m.contains(&key[40..80]) && !m.contains("mchid\\\"1230000109"),
        "{m}"
    );
}

#[tokio::test]
async fn a_bad_signature_shows_the_verified_message_not_the_signature() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    fault(&sb, json!({"fault": "bad_signature"})).await;
    let e = close_seed(&client, "shown").await.unwrap_err();
    let m = e.message();
    assert!(
        m.contains("verified message `") && m.contains("<body: 0 bytes"),
        "{m}"
    );
    let sig = m.split("signature `").nth(1).unwrap();
    assert!(sig.contains("… (344 characters)"), "{m}");
    // The dry run shows the exact message a call signs.
    let options = wxpay::RequestOptions::from_json(r#"{"json": {"a": 1}}"#).unwrap();
    let p = client
        .prepare_json("POST", "v3/x", &options, Some(1), Some("N"))
        .unwrap();
    assert_eq!(p["signed_message"], "POST\n/v3/x\n1\nN\n{\"a\":1}\n");
}

#[tokio::test]
async fn retries_500_then_succeeds_as_one_logical_call() {
    let sb = tls_sandbox(false).await;
    fault(&sb, json!({"fault": "status", "status": 500, "count": 1})).await;
    let client = client(&sb, json!({"retries": 2}));
    let r = close_seed(&client, "retry-1").await.unwrap();
    assert_eq!(r.status(), 204);
    let log = requests(&sb).await;
    assert_eq!(log.len(), 2);
    let auth = |i: usize| {
        log[i]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == "authorization")
            .unwrap()[1]
            .clone()
    };
    assert_ne!(
        auth(0),
        auth(1),
        "each attempt is signed afresh (new nonce)"
    );
    assert_eq!(log[0]["body"], log[1]["body"], "same parameters on retry");
}

#[tokio::test]
async fn retryable_statuses_are_surfaced_after_retries_run_out() {
    for (status, code) in [
        (429, "RATELIMIT_EXCEEDED"),
        (503, "SERVICE_UNAVAILABLE"),
        (500, "SYSTEM_ERROR"),
    ] {
        let sb = tls_sandbox(false).await;
        fault(
            &sb,
            json!({"fault": "status", "status": status, "count": 100}),
        )
        .await;
        let client = client(&sb, json!({"retries": 2}));
        let e = close_seed(&client, "busy").await.unwrap_err();
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.api().unwrap().code, code);
        assert_eq!(
            requests(&sb).await.len(),
            3,
            "{status}: first attempt + 2 retries"
        );
    }
}

#[tokio::test]
async fn error_body_that_is_not_json_keeps_the_raw_body() {
    let sb = tls_sandbox(false).await;
    fault(&sb, json!({"fault": "not_json", "count": 100})).await;
    let client = client(&sb, json!({}));
    let e = close_seed(&client, "x").await.unwrap_err();
    let api = e.api().unwrap();
    assert_eq!((api.status, api.code.as_str()), (502, ""));
    assert!(String::from_utf8_lossy(&api.body).contains("502 Bad Gateway"));
    assert!(api.message.contains("not JSON"));
}

#[tokio::test]
async fn timeout_fires_and_the_client_keeps_working() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({"timeout_ms": 300, "retries": 2}));
    close_seed(&client, "warm").await.unwrap();
    fault(&sb, json!({"fault": "delay", "delay_ms": 3000})).await;
    let started = Instant::now();
    let e = close_seed(&client, "slow").await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.may_have_been_sent());
    assert!(
        took < Duration::from_millis(2500),
        "deadline of 300 ms took {took:?}"
    );
    // The delayed request is not retried: it may have been processed.
    close_seed(&client, "after").await.unwrap();
}

#[tokio::test]
async fn dropped_connection_and_reset_mid_body_are_transport_errors() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({"retries": 2}));
    for kind in ["drop", "reset_mid_body"] {
        fault(&sb, json!({"fault": kind})).await;
        let e = close_seed(&client, kind).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Transport, "{kind}: {e}");
        assert!(e.may_have_been_sent(), "{kind}");
        close_seed(&client, "after").await.unwrap();
    }
    // Sent requests are never retried: drop (1) + after (1) + reset (1) + after (1).
    assert_eq!(requests(&sb).await.len(), 4);
}

#[tokio::test]
async fn connection_refused_is_retried_and_reported_as_not_sent() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sb = tls_sandbox(false).await;
    let client = client(
        &sb,
        json!({"resolve": {"api.mch.weixin.qq.com": format!("127.0.0.1:{port}")}, "retries": 1}),
    );
    let e = close_seed(&client, "x").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(!e.may_have_been_sent());
    assert!(e.message().contains("not sent"), "{}", e.message());
}

#[tokio::test]
async fn every_verification_failure_is_a_verify_error() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    for (fault_kind, reason) in [
        ("bad_signature", "BAD_SIGNATURE"),
        ("signtest", "SIGNTEST"),
        ("no_signature", "MISSING_HEADERS"),
        ("stale_timestamp", "TIMESTAMP_SKEW"),
        ("future_timestamp", "TIMESTAMP_SKEW"),
        ("unknown_serial", "UNKNOWN_SERIAL"),
    ] {
        fault(&sb, json!({"fault": fault_kind})).await;
        let e = close_seed(&client, fault_kind).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Verify, "{fault_kind}: {e}");
        assert_eq!(
            e.verify_failure().unwrap().code(),
            reason,
            "{fault_kind}: {e}"
        );
        assert_eq!(e.status(), Some(204));
        assert!(e.request_id().is_some());
    }
    client
        .close(&CloseOrder::transaction_id("still-fine"))
        .await
        .unwrap();
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let sb = tls_sandbox(false).await;
    fault(&sb, json!({"fault": "oversized"})).await;
    let e = close_seed(&client(&sb, json!({})), "big")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert!(e.message().contains("limit"));
}

#[tokio::test]
async fn a_repeated_header_is_one_field_with_its_values_joined() {
    let sb = tls_sandbox(false).await;
    fault(&sb, json!({"fault": "repeated_header"})).await;
    let r = close_seed(&client(&sb, json!({})), "repeated")
        .await
        .expect("a valid answer");
    let fields = r.header_fields();
    let repeated: Vec<_> = fields
        .iter()
        .filter(|(k, _)| k == "x-sandbox-repeated")
        .collect();
    assert_eq!(
        repeated,
        [&("x-sandbox-repeated".to_owned(), "one, two".to_owned())]
    );
    assert!(fields.iter().all(|(k, _)| k == &k.to_ascii_lowercase()));
}

#[tokio::test]
async fn close_succeeds_only_on_204() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let mut order = CloseOrder::transaction_id("x");
    order.base_uri = Some("https://api.mch.weixin.qq.com/hk/".into());
    assert_eq!(client.close(&order).await.unwrap().status(), 204);
    // A signed, valid 200 with a body: not what closing answers, so not taken as closed.
    fault(&sb, json!({"fault": "status_200"})).await;
    let e = client.close(&order).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert_eq!(e.status(), Some(200));
}

#[tokio::test]
async fn tls_is_verified_untrusted_ca_and_wrong_host_fail_before_sending() {
    let sb = tls_sandbox(false).await;
    // No ca_certs: the sandbox CA is not trusted.
    let mut c = sb.client_config(&fixture("merchant_key.pem"));
    c.as_object_mut().unwrap().remove("ca_certs");
    c["retries"] = json!(0);
    let untrusted = Client::new(&wxpay::Config::from_value(&c, None).unwrap()).unwrap();
    let e = close_seed(&untrusted, "x").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(!e.may_have_been_sent());
    assert!(
        e.message().to_lowercase().contains("certificate"),
        "{}",
        e.message()
    );

    // Trusted CA, but a host name the certificate does not cover.
    let client = client(
        &sb,
        json!({"resolve": {"pay.example.org": sb.addr().to_string()}}),
    );
    let opts = RequestOptions::from_value(
        &json!({"base_uri": "https://pay.example.org/", "transaction_id": "1", "json": {}}),
    )
    .unwrap();
    let e = client
        .request("POST", SEED_TEMPLATE, &opts)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(!e.may_have_been_sent());
    assert!(requests(&sb).await.is_empty(), "nothing reached the server");
}

#[tokio::test]
async fn plain_http_needs_insecure_http() {
    let sb = Sandbox::start(wxpay_sandbox::SandboxConfig::default())
        .await
        .unwrap();
    let c = sb.client_config(&fixture("merchant_key.pem"));
    let client = Client::new(&wxpay::Config::from_value(&c, None).unwrap()).unwrap();
    let opts = RequestOptions::from_value(
        &json!({"transaction_id": "1", "json": {"mchid": "1230000109"}}),
    )
    .unwrap();
    assert_eq!(
        client
            .request(
                "POST",
                "hk/v3/transactions/id/{transaction_id}/close",
                &opts
            )
            .await
            .unwrap()
            .status(),
        204
    );

    let mut c = c.clone();
    c["insecure_http"] = json!(false);
    let e = Client::new(&wxpay::Config::from_value(&c, None).unwrap()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("insecure_http"), "{}", e.message());
}

#[tokio::test]
async fn bad_arguments_send_nothing() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let cases = [
        ("POST", SEED_TEMPLATE, json!({"json": {}})), // missing value
        (
            "POST",
            SEED_TEMPLATE,
            json!({"transaction_id": "", "json": {}}),
        ), // empty
        (
            "POST",
            SEED_TEMPLATE,
            json!({"transaction_id": "..", "json": {}}),
        ), // dot-dot
        (
            "POST",
            SEED_TEMPLATE,
            json!({"transactionId": "1", "json": {}}),
        ), // typo
        ("FETCH", SEED_TEMPLATE, json!({"transaction_id": "1"})), // method
        (
            "GET",
            SEED_TEMPLATE,
            json!({"transaction_id": "1", "json": {"a": 1}}),
        ), // GET body
        (
            "POST",
            "/v3/x",
            json!({"base_uri": "https://api.mch.weixin.qq.com/hk/"}),
        ), // drops /hk/
        (
            "POST",
            SEED_TEMPLATE,
            json!({"transaction_id": "1", "base_uri": "http://api.mch.weixin.qq.com/"}),
        ),
    ];
    for (method, template, opts) in cases {
        let e = match RequestOptions::from_value(&opts) {
            Ok(o) => client.request(method, template, &o).await.unwrap_err(),
            Err(e) => e,
        };
        assert_eq!(
            e.kind(),
            ErrorKind::InvalidArgument,
            "{method} {template} {opts}: {e}"
        );
        assert!(!e.may_have_been_sent());
    }
    assert!(requests(&sb).await.is_empty());
}

/// The sandbox rejects what WeChat Pay rejects: wrong signature, body, path, timestamp, headers.
#[tokio::test]
async fn sandbox_rejects_tampered_requests() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let raw = control_client(&sb);
    let prepared = client
        .prepare("POST", SEED_TEMPLATE, &seed_options("T1"))
        .unwrap();
    let now = client.now();
    let auth = client
        .authorization(&prepared, now, "NONCE0123456789NONCE0123456789AB")
        .unwrap();
    let url = prepared
        .url
        .as_str()
        .replace("api.mch.weixin.qq.com", &sb.addr().to_string());

    let send = |url: String, body: Vec<u8>, auth: String, accept: bool, ua: bool| {
        let mut r = raw
            .post(url)
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .body(body);
        if accept {
            r = r.header("Accept", "application/json");
        }
        if ua {
            r = r.header("User-Agent", "raw-test");
        }
        async move {
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value =
                serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap_or(Value::Null);
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        }
    };
    // As signed: accepted (the control group, so the rejections below mean something).
    assert_eq!(
        send(url.clone(), prepared.body.clone(), auth.clone(), true, true)
            .await
            .0,
        204
    );
    // Body changed after signing.
    let mut body = prepared.body.clone();
    body[3] ^= 1;
    assert_eq!(
        send(url.clone(), body, auth.clone(), true, true).await,
        (401, "SIGN_ERROR".into())
    );
    // Path changed after signing.
    let other = url.replace("/T1/", "/T2/");
    assert_eq!(
        send(other, prepared.body.clone(), auth.clone(), true, true).await,
        (401, "SIGN_ERROR".into())
    );
    // Path signed without the /hk/ prefix (the bug of several SDKs).
    let wrong = wxpay::sign::Signer::new(
        "1230000109",
        wxpay_sandbox::DEFAULT_MERCHANT_SERIAL,
        Arc::new(
            wxpay::keys::PrivateKey::from_pem(
                &std::fs::read_to_string(fixture("merchant_key.pem")).unwrap(),
            )
            .unwrap(),
        ),
    )
    .authorization(
        "POST",
        "/v3/transactions/id/T1/close",
        &prepared.body,
        now,
        "N",
    )
    .unwrap();
    assert_eq!(
        send(url.clone(), prepared.body.clone(), wrong, true, true).await,
        (401, "SIGN_ERROR".into())
    );
    // Missing Accept / User-Agent (reqwest always adds Accept, so these go over a raw socket).
    let plain = Sandbox::start(wxpay_sandbox::SandboxConfig::default())
        .await
        .unwrap();
    let target = prepared.url.path();
    for (accept, ua) in [(false, true), (true, false)] {
        assert_eq!(
            raw_http(&plain, target, &auth, &prepared.body, accept, ua).await,
            400,
            "accept={accept} ua={ua}"
        );
    }
    assert_eq!(
        raw_http(&plain, target, &auth, &prepared.body, true, true).await,
        204
    );
    // A timestamp ten minutes old.
    let stale = Client::with_clock_and_nonce(
        &config(&sb, json!({})),
        Arc::new(FixedClock(now - 600)),
        Arc::new(wxpay::sign::RandomNonce),
    )
    .unwrap();
    let e = close_seed(&stale, "T1").await.unwrap_err();
    assert_eq!(e.api().map(|a| a.code.as_str()), Some("SIGN_ERROR"), "{e}");
}

/// One HTTP/1.1 request over a raw socket, with exactly the headers given; returns the status.
async fn raw_http(
    sb: &Sandbox,
    target: &str,
    auth: &str,
    body: &[u8],
    accept: bool,
    ua: bool,
) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(sb.addr()).await.unwrap();
    let mut head = format!(
        "POST {target} HTTP/1.1\r\nHost: api.mch.weixin.qq.com\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if accept {
        head.push_str("Accept: application/json\r\n");
    }
    if ua {
        head.push_str("User-Agent: raw-test\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn many_concurrent_calls_share_one_client() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let calls = (0..100).map(|i| {
        let c = client.clone();
        tokio::spawn(async move { close_seed(&c, &format!("c{i}")).await.map(|r| r.status()) })
    });
    for h in calls {
        assert_eq!(h.await.unwrap().unwrap(), 204);
    }
    assert_eq!(requests(&sb).await.len(), 100);
}

#[tokio::test]
async fn bench_mode_reuses_a_valid_signature_within_a_second_and_logs_nothing() {
    let sb = Sandbox::start(wxpay_sandbox::SandboxConfig {
        tls: true,
        bench: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = client(&sb, json!({}));
    // Every answer is verified by the client (a reused signature must stay valid); two answers
    // signed within the same second carry the same nonce and signature.
    let mut seen = Vec::new();
    for _ in 0..3 {
        let r = close_seed(&client, "1217752501201407033233368018")
            .await
            .expect("a reused signature still verifies");
        assert_eq!(r.status(), 204);
        let h = |n: &str| r.header(n).unwrap_or_default().to_owned();
        seen.push((
            h("wechatpay-timestamp"),
            h("wechatpay-nonce"),
            h("wechatpay-signature"),
        ));
    }
    let same_second: Vec<_> = seen.windows(2).filter(|w| w[0].0 == w[1].0).collect();
    assert!(!same_second.is_empty(), "three calls spanned three seconds");
    for w in same_second {
        assert_eq!(w[0], w[1], "same second, same answer: signature reused");
    }
    assert!(requests(&sb).await.is_empty(), "bench mode logs nothing");
}

/// `insecure_http` is for test servers on this machine: a plain connection to an address that
/// is not loopback is refused (CONFIG) before a byte is written, whatever the name was. The
/// server here is this machine's own non-loopback interface (nothing leaves the host); where
/// the machine has none, the loopback half still runs.
#[tokio::test]
async fn plain_http_goes_only_to_loopback() {
    let sb = Sandbox::start(wxpay_sandbox::SandboxConfig::default())
        .await
        .unwrap();
    let base = sb.client_config(&fixture("merchant_key.pem"));
    let opts = RequestOptions::from_value(
        &json!({"transaction_id": "1", "json": {"mchid": "1230000109"}}),
    )
    .unwrap();
    // A name resolved to loopback: allowed.
    let mut c = base.clone();
    c["base_uri"] = json!(format!("http://pay.test.internal:{}/", sb.addr().port()));
    c["resolve"] = json!({"pay.test.internal": sb.addr().to_string()});
    let client = Client::new(&wxpay::Config::from_value(&c, None).unwrap()).unwrap();
    let r = client
        .request(
            "POST",
            "hk/v3/transactions/id/{transaction_id}/close",
            &opts,
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    // This machine's address on its default route (a UDP `connect` sends nothing).
    let local = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|u| u.connect("192.0.2.1:9").map(|()| u))
        .and_then(|u| u.local_addr())
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    let Some(ip) = local else {
        eprintln!("no non-loopback interface here: the refusal half is covered by the unit test");
        return;
    };
    let listener = std::net::TcpListener::bind((ip, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut c = base.clone();
    c["base_uri"] = json!(format!("http://api.mch.weixin.qq.com:{}/", addr.port()));
    c["resolve"] = json!({"api.mch.weixin.qq.com": addr.to_string()});
    let client = Client::new(&wxpay::Config::from_value(&c, None).unwrap()).unwrap();
    let e = client
        .request(
            "POST",
            "hk/v3/transactions/id/{transaction_id}/close",
            &opts,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert!(!e.may_have_been_sent());
    assert!(
        e.message().contains("loopback") && e.message().contains(&addr.to_string()),
        "{}",
        e.message()
    );
    // The connection was made and closed without a byte of the request on it.
    listener.set_nonblocking(false).unwrap();
    let (mut s, _) = listener.accept().unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut got = Vec::new();
    use std::io::Read;
    let _ = s.read_to_end(&mut got);
    assert!(
        got.is_empty(),
        "{} bytes were written in clear text",
        got.len()
    );
}
