//! Platform certificates end to end through the Rust core: download with only the APIv3 key,
//! rotation under 64 concurrent calls, the public-key switch, a forged serial, a wrong APIv3
//! key, a lying download, and the published V4 vector.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::{json, Value};
use wxpay::{Client, CloseOrder, Config};
use wxpay_sandbox::Sandbox;

/// A client with no platform key configured: mchid, serial, private_key, apiv3_key only.
fn auto_client(sb: &Sandbox, extra: Value) -> Client {
    let mut c = config_value(sb, json!({"auto_certificates": true}));
    let m = c.as_object_mut().unwrap();
    m.remove("certs");
    for (k, v) in extra.as_object().unwrap() {
        m.insert(k.clone(), v.clone());
    }
    Client::new(&Config::from_value(&c, None).unwrap()).unwrap()
}

async fn downloads(sb: &Sandbox) -> u64 {
    control(sb, "GET", "certificates", Value::Null).await["downloads"]
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_apiv3_key_then_rotation_under_64_concurrent_calls() {
    let sb = tls_sandbox(false).await;
    control(&sb, "POST", "certificates", json!({"mode": "certificate"})).await;
    let client = Arc::new(auto_client(&sb, json!({})));
    assert!(client.verifier().serials().is_empty());
    client
        .close(&CloseOrder::transaction_id("auto-1"))
        .await
        .unwrap();
    let listed = client.certificates_json();
    assert_eq!(
        listed["keys"][0]["id"], "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "{listed}"
    );
    assert_eq!(listed["keys"][0]["source"], "downloaded");
    assert_eq!(listed["keys"][0]["kind"], "certificate");
    assert!(listed["last_download"]["at"].is_i64());
    assert_eq!(downloads(&sb).await, 1);

    // Rotation: the sandbox signs with a certificate the client has never seen; 64 calls in
    // flight at once all succeed, and one download serves them all.
    let rotated = control(&sb, "POST", "certificates", json!({"action": "rotate"})).await;
    let new_serial = rotated["serials"][1].as_str().unwrap().to_owned();
    let calls = (0..64).map(|i| {
        let c = client.clone();
        tokio::spawn(async move {
            c.close(&CloseOrder::transaction_id(format!("rot-{i}")))
                .await
        })
    });
    for call in futures_join(calls).await {
        call.unwrap();
    }
    assert_eq!(downloads(&sb).await, 2, "one download for 64 calls");
    let ids: Vec<Value> = client.certificates_json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].clone())
        .collect();
    assert!(ids.contains(&json!(new_serial)), "{ids:?}");

    // The old certificate retired: still fine. Encryption uses the newest certificate.
    control(&sb, "POST", "certificates", json!({"action": "retire"})).await;
    client
        .close(&CloseOrder::transaction_id("after-retire"))
        .await
        .unwrap();
    assert_eq!(client.encrypt_field("x").unwrap().serial, new_serial);
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_serial_downloads_at_most_once_a_minute() {
    let sb = tls_sandbox(false).await;
    control(&sb, "POST", "certificates", json!({"mode": "certificate"})).await;
    let client = auto_client(&sb, json!({}));
    client
        .close(&CloseOrder::transaction_id("first"))
        .await
        .unwrap();
    let before = downloads(&sb).await;
    fault(
        &sb,
        json!({"fault": "unknown_serial", "count": 10, "path": "/close"}),
    )
    .await;
    for i in 0..10 {
        let e = client
            .close(&CloseOrder::transaction_id(format!("forged-{i}")))
            .await
            .unwrap_err();
        assert_eq!(e.verify_failure().unwrap().code(), "UNKNOWN_SERIAL", "{e}");
    }
    assert!(
        downloads(&sb).await <= before + 1,
        "a forged serial made the client download again and again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_key_switch_and_404_resource_not_exists() {
    let sb = tls_sandbox(false).await;
    // Migrating merchant: the public key configured, certificates downloaded too.
    control(&sb, "POST", "certificates", json!({"mode": "certificate"})).await;
    let mut c = config_value(&sb, json!({"auto_certificates": true}));
    c["retries"] = json!(0);
    let client = Client::new(&Config::from_value(&c, None).unwrap()).unwrap();
    client
        .close(&CloseOrder::transaction_id("migrating"))
        .await
        .unwrap();
    let kinds: Vec<String> = client.certificates_json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| format!("{}:{}", k["kind"], k["source"]))
        .collect();
    assert!(
        kinds.contains(&"\"public_key\":\"configured\"".to_owned())
            && kinds.contains(&"\"certificate\":\"downloaded\"".to_owned()),
        "{kinds:?}"
    );
    // A notification signed by the certificate verifies too (both kinds during the migration).
    // The switch: no certificate any more (404 RESOURCE_NOT_EXISTS): calls go on.
    control(
        &sb,
        "POST",
        "certificates",
        json!({"mode": "public_key_only"}),
    )
    .await;
    match client.download_certificates().await.unwrap() {
        wxpay::certificates::Outcome::PublicKeyOnly => {}
        other => panic!("{other:?}"),
    }
    client
        .close(&CloseOrder::transaction_id("switched"))
        .await
        .unwrap();
    assert_eq!(
        client.certificates_json()["last_download"]["public_key_only"],
        true
    );

    // Without a public key, the 404 is a CONFIG error that says what to configure.
    let keyless = auto_client(&sb, json!({}));
    let e = keyless
        .close(&CloseOrder::transaction_id("no-key"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CONFIG", "{e}");
    assert!(
        e.message().contains("public key") && e.message().contains("RESOURCE_NOT_EXISTS"),
        "{e}"
    );
    assert!(keyless.certificates_json()["last_download"]["error"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_apiv3_key_or_a_lying_download_installs_nothing() {
    let sb = tls_sandbox(false).await;
    control(&sb, "POST", "certificates", json!({"mode": "certificate"})).await;
    let wrong = auto_client(
        &sb,
        json!({"apiv3_key": "0123456789abcdef0123456789ABCDEF"}),
    );
    let e = wrong.download_certificates().await.unwrap_err();
    assert_eq!(e.code(), "DECODE");
    assert!(e.message().contains("wrong APIv3 key"), "{e}");
    assert!(wrong.verifier().serials().is_empty());
    let e = wrong
        .close(&CloseOrder::transaction_id("x"))
        .await
        .unwrap_err();
    assert!(
        e.message().contains("wrong APIv3 key"),
        "the first call says why: {e}"
    );

    let client = auto_client(&sb, json!({}));
    control(&sb, "POST", "certificates", json!({"action": "mismatch"})).await;
    let e = client.download_certificates().await.unwrap_err();
    assert_eq!(e.code(), "DECODE");
    assert!(e.message().contains("serial"), "{e}");
    assert!(client.verifier().serials().is_empty());
}

#[test]
fn the_published_v4_vector_decrypts_to_its_certificate() {
    let path = fixture("../vectors/certificates.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let key =
        wxpay::aead::Apiv3Key::from_config("apiv3_key", v["apiv3_key"].as_str().unwrap(), None)
            .unwrap();
    let certs = wxpay::certificates::parse(
        v["body"].as_str().unwrap().as_bytes(),
        &key,
        v["now"].as_i64().unwrap(),
    )
    .unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].serial, v["expect_serial"].as_str().unwrap());
    assert!(certs[0].pem.starts_with("-----BEGIN CERTIFICATE-----"));
    // The wrong key: the tag fails.
    let other =
        wxpay::aead::Apiv3Key::from_config("apiv3_key", "0123456789abcdef0123456789ABCDEF", None)
            .unwrap();
    let e = wxpay::certificates::parse(
        v["body"].as_str().unwrap().as_bytes(),
        &other,
        v["now"].as_i64().unwrap(),
    )
    .unwrap_err();
    assert!(e.message().contains("wrong APIv3 key"), "{e}");
}

/// A notification signed by a certificate the client has not downloaded yet: refused (parsing
/// does no I/O), the next call downloads, and the redelivery verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_from_a_new_certificate_verifies_after_the_next_call() {
    let sb = tls_sandbox(false).await;
    control(&sb, "POST", "certificates", json!({"mode": "certificate"})).await;
    let client = auto_client(&sb, json!({}));
    client
        .close(&CloseOrder::transaction_id("first"))
        .await
        .unwrap();
    control(&sb, "POST", "certificates", json!({"action": "rotate"})).await;
    let minted = control(&sb, "POST", "notifications", json!({"event": "payment"})).await;
    let headers: Vec<(String, String)> = minted["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let body = minted["body"].as_str().unwrap().as_bytes();
    let parse = || {
        client.parse_notification(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            body,
            None,
        )
    };
    let e = parse().unwrap_err();
    assert_eq!(e.verify_failure().unwrap().code(), "UNKNOWN_SERIAL");
    assert!(e.message().contains("next call"), "{e}");
    client
        .close(&CloseOrder::transaction_id("second"))
        .await
        .unwrap();
    assert_eq!(parse().unwrap().event_type, "TRANSACTION.SUCCESS");
}
