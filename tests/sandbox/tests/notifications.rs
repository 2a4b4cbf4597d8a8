//! Notifications end to end through the Rust core: the shared case list
//! (tests/reliability/notifications.json), a delivery to a real HTTP endpoint with a probe
//! first, hostile inputs, and sensitive fields against the sandbox's keys.

mod common;

use common::*;
use serde_json::{json, Value};
use wxpay::notify::Answer;

fn spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../reliability/notifications.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn pairs(minted: &Value) -> Vec<(String, String)> {
    minted["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn parse(client: &wxpay::Client, minted: &Value) -> wxpay::Result<wxpay::Notification> {
    let headers = pairs(minted);
    client.parse_notification(
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        minted["body"].as_str().unwrap().as_bytes(),
        None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_notification_cases() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let cases = spec();
    let cases = cases["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let minted = control(
            &sb,
            "POST",
            "notifications",
            json!({"event": case["event"], "fault": case["fault"]}),
        )
        .await;
        let outcome = parse(&client, &minted);
        let answer = match &outcome {
            Ok(_) => Answer::success(),
            Err(e) => Answer::for_error(e),
        };
        assert_eq!(
            Some(u64::from(answer.status)),
            expect["answer_status"].as_u64(),
            "{name}"
        );
        match (&outcome, expect["code"].as_str()) {
            (Ok(n), None) => {
                assert_eq!(
                    Some(n.event_type.as_str()),
                    expect["event_type"].as_str(),
                    "{name}"
                );
                assert_eq!(n.id, minted["id"], "{name}");
                assert_eq!(n.resource["mchid"], "1230000109", "{name}");
            }
            (Err(e), Some(code)) => {
                assert_eq!(e.code(), code, "{name}: {e}");
                assert_eq!(
                    e.verify_failure().map(|f| f.code()),
                    expect["verify_failure"].as_str(),
                    "{name}: {e}"
                );
                if let Some(m) = expect["mentions"].as_str() {
                    assert!(e.message().contains(m), "{name}: {e}");
                }
            }
            (o, want) => panic!("{name}: got {o:?}, expected {want:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_details() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let minted = control(&sb, "POST", "notifications", json!({"event": "refund", "resource": {"mchid": "1230000109", "refund_status": "SUCCESS", "amount": {"refund": 1}}})).await;
    let n = parse(&client, &minted).unwrap();
    assert_eq!(n.original_type.as_deref(), Some("refund"));
    assert_eq!(n.resource_type.as_deref(), Some("encrypt-resource"));
    assert_eq!(
        n.resource,
        json!({"mchid": "1230000109", "refund_status": "SUCCESS", "amount": {"refund": 1}})
    );
    assert_eq!(n.to_json()["event_type"], "REFUND.SUCCESS");

    // Header names in any case; a signature header given twice is refused.
    let mut headers = pairs(&minted);
    for (k, _) in headers.iter_mut() {
        *k = k.to_ascii_uppercase();
    }
    let body = minted["body"].as_str().unwrap().as_bytes();
    client
        .parse_notification(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            body,
            None,
        )
        .unwrap();
    headers.push(("wechatpay-signature".into(), "AAAA".into()));
    let e = client
        .parse_notification(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            body,
            None,
        )
        .unwrap_err();
    assert_eq!(e.verify_failure().unwrap().code(), "MALFORMED_HEADERS");

    // Re-serialised JSON (what frameworks hand over when asked for "the JSON") fails.
    let reserialised =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(body).unwrap()).unwrap();
    let headers = pairs(&minted);
    let e = client
        .parse_notification(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &reserialised,
            None,
        )
        .unwrap_err();
    assert_eq!(e.verify_failure().unwrap().code(), "BAD_SIGNATURE");
    assert!(e.message().contains("raw bytes"), "{e}");

    // A huge body is refused unread; a client without apiv3_key says what to configure.
    let huge = vec![b' '; wxpay::notify::MAX_NOTIFICATION_BYTES + 1];
    let e = client
        .parse_notification(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &huge,
            None,
        )
        .unwrap_err();
    assert_eq!(e.code(), "DECODE");
    let mut c = config_value(&sb, json!({}));
    c.as_object_mut().unwrap().remove("apiv3_key");
    let keyless = wxpay::Client::new(&wxpay::Config::from_value(&c, None).unwrap()).unwrap();
    let e = keyless
        .parse_notification(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            body,
            None,
        )
        .unwrap_err();
    assert_eq!(e.code(), "CONFIG");
    assert!(e.message().contains("apiv3_key"), "{e}");

    // Whatever follows the probe prefix, never a crash.
    for tail in ["", "!!!", "2sWfO+6tVVsZ", &"A".repeat(355), "\u{1b}[31m"] {
        let mut h = pairs(&minted);
        for (k, v) in h.iter_mut() {
            if k == "Wechatpay-Signature" {
                *v = format!("WECHATPAY/SIGNTEST/{tail}");
            }
        }
        let e = client
            .parse_notification(h.iter().map(|(k, v)| (k.as_str(), v.as_str())), body, None)
            .unwrap_err();
        assert_eq!(e.verify_failure().unwrap().code(), "SIGNTEST");
    }
}

/// The sandbox delivers to a real HTTP endpoint; a probe first, then (after the failure answer)
/// the same notification correctly signed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_to_an_http_endpoint() {
    use tokio::io::AsyncWriteExt;
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let (headers, body) = read_request(&mut s).await;
            let outcome = client.parse_notification(
                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &body,
                None,
            );
            seen2.lock().unwrap().push(match &outcome {
                Ok(n) => n.event_type.clone(),
                Err(e) => e.verify_failure().map_or(e.code(), |f| f.code()).to_owned(),
            });
            let a = match &outcome {
                Ok(_) => Answer::success(),
                Err(e) => Answer::for_error(e),
            };
            let reply = format!(
                "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                a.status,
                a.body.len(),
                a.body
            );
            s.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    let r = control(&sb, "POST", "notify", json!({"url": format!("http://127.0.0.1:{port}/notify"), "event": "payment", "fault": "signtest"})).await;
    assert_eq!(r["delivered"], true, "{r}");
    assert_eq!(r["deliveries"][0]["status"], 401, "{r}");
    assert_eq!(
        serde_json::from_str::<Value>(r["deliveries"][0]["body"].as_str().unwrap()).unwrap()
            ["code"],
        "FAIL"
    );
    assert_eq!(r["deliveries"][1]["status"], 204, "{r}");
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["SIGNTEST".to_owned(), "TRANSACTION.SUCCESS".to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_fields() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let f = client.encrypt_field("张三").unwrap();
    assert_eq!(f.serial, sb.platform_serial());
    // The sandbox's platform key decrypts it (what WeChat Pay does).
    let platform = wxpay::keys::PrivateKey::from_pem(
        &std::fs::read_to_string(fixture("platform_key.pem")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        &platform.oaep_decrypt_base64(&f.ciphertext).unwrap()[..],
        "张三".as_bytes()
    );
    // 214 bytes fit, 215 do not (and the plaintext is not in the message).
    client.encrypt_field(&"a".repeat(214)).unwrap();
    let e = client.encrypt_field(&"b".repeat(215)).unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    assert!(
        e.message().contains("214") && !e.message().contains("bbbb"),
        "{e}"
    );
    // A field encrypted for the merchant decrypts with the merchant key.
    let merchant_pub = wxpay::keys::PublicKey::from_pem(
        &std::fs::read_to_string(fixture("merchant_pub.pem")).unwrap(),
    )
    .unwrap();
    let ct = merchant_pub
        .oaep_encrypt_base64("13800138000".as_bytes())
        .unwrap();
    assert_eq!(&*client.decrypt_field(&ct).unwrap(), "13800138000");
    assert_eq!(client.decrypt_field("AAAA").unwrap_err().code(), "DECODE");
    assert_eq!(
        client.decrypt_field(&f.ciphertext).unwrap_err().code(),
        "DECODE"
    );

    // The `encrypt` option encrypts the named fields and sends the key id as Wechatpay-Serial.
    let options = wxpay::RequestOptions::from_json(r#"{"json": {"name": "张三", "payer": {"id_card": "110101199003077777"}, "n": 1}, "encrypt": ["/name", "/payer/id_card"]}"#).unwrap();
    let p = client.prepare("POST", "v3/x", &options).unwrap();
    let serial = p
        .headers
        .iter()
        .find(|(k, _)| k == "Wechatpay-Serial")
        .unwrap()
        .1
        .clone();
    assert_eq!(serial, sb.platform_serial());
    let body: Value = serde_json::from_slice(&p.body).unwrap();
    assert_eq!(
        &platform
            .oaep_decrypt_base64(body["name"].as_str().unwrap())
            .unwrap()[..],
        "张三".as_bytes()
    );
    assert_eq!(
        &platform
            .oaep_decrypt_base64(body["payer"]["id_card"].as_str().unwrap())
            .unwrap()[..],
        b"110101199003077777"
    );
    assert_eq!(body["n"], 1);
    for (options, want) in [
        (
            r#"{"json": {"n": 1}, "encrypt": ["/n"]}"#,
            "only string fields",
        ),
        (
            r#"{"json": {"n": "x"}, "encrypt": ["/m"]}"#,
            "names no field",
        ),
        (
            r#"{"json": {"n": "x"}, "encrypt": ["/n"], "headers": {"Wechatpay-Serial": "PUB_KEY_ID_X"}}"#,
            "names no configured key",
        ),
    ] {
        let o = wxpay::RequestOptions::from_json(options).unwrap();
        let e = client.prepare("POST", "v3/x", &o).unwrap_err();
        assert!(e.message().contains(want), "{options}: {e}");
    }
    for (options, want) in [
        (r#"{"encrypt": ["/n"]}"#, "no `json`"),
        (r#"{"json": {}, "encrypt": "/n"}"#, "list of JSON pointers"),
        (r#"{"json": {}, "encrypt": ["n"]}"#, "starts with `/`"),
    ] {
        let e = wxpay::RequestOptions::from_json(options).unwrap_err();
        assert!(e.message().contains(want), "{options}: {e}");
    }
}

/// The security self-test: signing, verification and OAEP both ways against the sandbox, and
/// its notification to a `notify_url`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_echo() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let op = wxpay::Operation::security_echo(&client, "hello 你好", None).unwrap();
    let sent = op.prepared();
    assert_eq!(sent.url.path(), "/v3/security/echo");
    assert!(sent
        .headers
        .iter()
        .any(|(k, v)| k == "Wechatpay-Serial" && v == sb.platform_serial()));
    let r = op.run(&client).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json().unwrap()["echo_message"], "hello 你好");

    // The sandbox checks what WeChat Pay checks: Wechatpay-Serial present and naming its key,
    // the encrypted field decrypting with that key.
    for (headers, encrypted, want) in [
        (json!({}), json!("AAAA"), "解密失败"),
        (
            json!({"Wechatpay-Serial": "PUB_KEY_ID_0000000000000000000000000000UNKNOWN"}),
            json!(null),
            "Wechatpay-Serial错误",
        ),
    ] {
        let options = wxpay::RequestOptions::from_value(&json!({"json": {"echo_message": "x", "encrypted_echo_message": encrypted}, "headers": headers})).unwrap();
        let e = client
            .request("POST", "v3/security/echo", &options)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "API", "{e}");
        assert!(e.api().unwrap().message.contains(want), "{e}");
    }
    assert_eq!(
        wxpay::Operation::security_echo(&client, "", None)
            .unwrap_err()
            .code(),
        "INVALID_ARGUMENT"
    );

    // With notify_url: a SECURITY_ECHO.SUCCESS notification arrives and verifies.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/echo",
        listener.local_addr().unwrap().port()
    );
    let server = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let (mut s, _) = listener.accept().await.unwrap();
        let request = read_request(&mut s).await;
        s.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        request
    });
    wxpay::Operation::security_echo(&client, "ping", Some(&url))
        .unwrap()
        .run(&client)
        .await
        .unwrap();
    let (headers, body) = tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap();
    let n = client
        .parse_notification(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &body,
            None,
        )
        .unwrap();
    assert_eq!(n.event_type, "SECURITY_ECHO.SUCCESS");
    assert_eq!(n.original_type.as_deref(), Some("security"));
    assert_eq!(n.resource["echo_message"], "ping");
}
