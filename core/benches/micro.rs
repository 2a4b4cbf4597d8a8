//! Criterion micro-benchmarks: wxpay's signing, verification, URI expansion and full request
//! build, each next to the bare AWS-LC operation it cannot avoid, so the difference is what
//! wxpay adds. Run with `cargo bench -p wxpay --bench micro` (or `make bench`, which also records
//! the figures in BENCHMARKS.md). Keys are the TEST-ONLY fixtures of tests/fixtures.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    RsaKeyPair, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use base64::Engine;
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use serde_json::json;
use wxpay::keys::{PrivateKey, PublicKey};
use wxpay::sign::{request_message, response_message, SignatureHeaders, Signer};
use wxpay::{Client, Config, RequestOptions, Verifier};

const PLATFORM_ID: &str = "PUB_KEY_ID_0112300001092026112600000000000001";
const URL: &str = "/hk/v3/transactions/id/1217752501201407033233368018/close";
const BODY: &[u8] = br#"{"mchid":"1230000109","sub_mchid":"1230000109","sp_mchid":"1230000109"}"#;
const TS: i64 = 1_764_115_200;
const NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).expect("test fixture")
}

/// DER of a one-block PEM file (the bare-AWS-LC baselines parse keys without wxpay).
fn der(name: &str) -> Vec<u8> {
    let b64: String = read(name)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("PEM body")
}

/// The baseline of the signing groups: AWS-LC's bare RSA-2048 PKCS#1 v1.5 signature over the
/// seed call's signing message, with a key parsed by AWS-LC itself.
fn bare_sign(g: &mut BenchmarkGroup<'_, WallTime>) {
    let bare = RsaKeyPair::from_pkcs8(&der("merchant_key.pem")).expect("PKCS#8 key");
    let rng = SystemRandom::new();
    let message = request_message("POST", URL, TS, NONCE, BODY);
    let mut sig = vec![0u8; bare.public_modulus_len()];
    g.bench_function("aws-lc-rs RsaKeyPair::sign (baseline)", |b| {
        b.iter(|| {
            bare.sign(&RSA_PKCS1_SHA256, &rng, black_box(&message), &mut sig)
                .expect("signs");
            black_box(&sig);
        })
    });
}

fn signing(c: &mut Criterion) {
    let key = Arc::new(PrivateKey::from_pem(&read("merchant_key.pem")).expect("key"));
    let signer = Signer::new(
        "1230000109",
        "3775B6A45ACD588826D15E583A95F5DD00000001",
        key,
    );

    let mut g = c.benchmark_group("sign");
    bare_sign(&mut g);
    g.bench_function("wxpay Signer::authorization", |b| {
        b.iter(|| {
            black_box(
                signer
                    .authorization("POST", black_box(URL), BODY, TS, NONCE)
                    .expect("signs"),
            )
        })
    });
    g.finish();
}

fn verification(c: &mut Criterion) {
    let platform = PrivateKey::from_pem(&read("platform_key.pem")).expect("key");
    let body = br#"{"mchid":"1230000109","out_trade_no":"1217752501201407033233368018","trade_state":"CLOSED"}"#;
    let ts = TS.to_string();
    let message = response_message(&ts, NONCE, body);
    let signature = platform.sign_base64(&message).expect("signs");
    let raw_sig = base64::engine::general_purpose::STANDARD
        .decode(&signature)
        .expect("base64");
    let bare = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der("platform_pub.pem"));
    let verifier = Verifier::new(HashMap::from([(
        PLATFORM_ID.to_owned(),
        PublicKey::from_pem(&read("platform_pub.pem")).expect("public key"),
    )]));
    let headers = SignatureHeaders {
        timestamp: Some(&ts),
        nonce: Some(NONCE),
        signature: Some(&signature),
        serial: Some(PLATFORM_ID),
    };

    let mut g = c.benchmark_group("verify");
    g.bench_function("aws-lc-rs UnparsedPublicKey::verify (baseline)", |b| {
        b.iter(|| {
            bare.verify(black_box(&message), black_box(&raw_sig))
                .expect("verifies")
        })
    });
    g.bench_function("wxpay Verifier::verify", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(headers), black_box(body), TS)
                .expect("verifies")
        })
    });
    g.finish();
}

fn uri_expansion(c: &mut Criterion) {
    let mut g = c.benchmark_group("uri");
    g.bench_function("wxpay uri::expand (seed template)", |b| {
        b.iter(|| {
            wxpay::uri::expand(
                black_box("v3/transactions/id/{transaction_id}/close"),
                |name| (name == "transaction_id").then_some("1217752501201407033233368018"),
            )
            .expect("expands")
        })
    });
    g.bench_function("wxpay uri::chain_template (PHP SDK chain)", |b| {
        let segments = ["v3", "transactions", "id", "{transaction_id}", "close"];
        b.iter(|| wxpay::uri::chain_template(black_box(&segments)))
    });
    g.finish();
}

/// The test merchant's client (fixtures, platform public key).
fn seed_client() -> Client {
    let config = Config::from_value(
        &json!({
            "mchid": "1230000109",
            "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
            "private_key": "file://merchant_key.pem",
            "certs": {PLATFORM_ID: "file://platform_pub.pem"}
        }),
        Some(&fixtures()),
    )
    .expect("config");
    Client::new(&config).expect("client")
}

fn request_build(c: &mut Criterion) {
    let client = seed_client();
    let options = RequestOptions::from_value(&json!({
        "base_uri": "https://api.mch.weixin.qq.com/hk/",
        "transaction_id": "1217752501201407033233368018",
        "json": {"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"}
    }))
    .expect("options");

    let mut g = c.benchmark_group("request");
    bare_sign(&mut g);
    g.bench_function(
        "wxpay prepare only (template, options, body, headers)",
        |b| {
            b.iter(|| {
                client
                    .prepare(
                        "POST",
                        black_box("v3/transactions/id/{transaction_id}/close"),
                        &options,
                    )
                    .expect("prepares")
            })
        },
    );
    g.bench_function("wxpay prepare + Authorization (full request build)", |b| {
        b.iter(|| {
            let p = client
                .prepare(
                    "POST",
                    black_box("v3/transactions/id/{transaction_id}/close"),
                    &options,
                )
                .expect("prepares");
            black_box(client.authorization(&p, TS, NONCE).expect("signs"))
        })
    });
    g.finish();
}

/// What events cost a call: nothing listening (every binding's default) and a sink that keeps
/// nothing, against the RSA signature every call makes anyway (bench/README.md, issue 17).
fn events(c: &mut Criterion) {
    let client = seed_client();
    let options =
        RequestOptions::from_value(&json!({"transaction_id": "1217752501201407033233368018"}))
            .expect("options");
    let prepared = client
        .prepare(
            "POST",
            "v3/transactions/id/{transaction_id}/close",
            &options,
        )
        .expect("prepares");
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "request-id",
        http::HeaderValue::from_static("08F0A3B3D05EF009E6E0385E98DF9695"),
    );
    let response = wxpay::Response::new(204, headers, bytes::Bytes::new());
    let sink: wxpay::EventSink = std::sync::Arc::new(|e: &wxpay::Event| {
        black_box(e);
    });
    let mut g = c.benchmark_group("events");
    g.bench_function(
        "wxpay Signer::authorization (baseline: every call signs)",
        |b| b.iter(|| black_box(client.authorization(&prepared, TS, NONCE).expect("signs"))),
    );
    g.bench_function("cloning the answer alone (in both rows below)", |b| {
        b.iter(|| black_box(response.clone()))
    });
    g.bench_function("one call's events, nobody listening", |b| {
        b.iter(|| wxpay::events::one_attempt_call(&prepared, None, black_box(response.clone())))
    });
    g.bench_function("one call's events, a sink listening", |b| {
        b.iter(|| {
            wxpay::events::one_attempt_call(&prepared, Some(&sink), black_box(response.clone()))
        })
    });
    g.finish();
}

/// Building a client per request (PHP's shared-nothing model, serverless functions): a fresh
/// `Client::new` against the shared client of a configuration already built in this process
/// (`ForkSafeClient::shared`, what every binding calls), both from the configuration JSON text.
fn client_build(c: &mut Criterion) {
    let text = json!({
        "mchid": "1230000109",
        "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
        "private_key": format!("file://{}", fixtures().join("merchant_key.pem").display()),
        "certs": {PLATFORM_ID: format!("file://{}", fixtures().join("platform_pub.pem").display())},
    })
    .to_string();
    let mut g = c.benchmark_group("client_build");
    g.bench_function("Client::new (keys parsed, TLS set up)", |b| {
        b.iter(|| {
            Client::new(&Config::from_json(black_box(&text)).expect("config")).expect("client")
        })
    });
    wxpay::process::ForkSafeClient::shared(Config::from_json(&text).expect("config"))
        .expect("client");
    g.bench_function("ForkSafeClient::shared, configuration already built", |b| {
        b.iter(|| {
            wxpay::process::ForkSafeClient::shared(
                Config::from_json(black_box(&text)).expect("config"),
            )
            .expect("client")
        })
    });
    g.finish();
}

/// Receiving a notification: `parse_notification` (headers, verification, envelope, AES-GCM,
/// resource JSON) on the minted vector of tests/vectors/notifications.json, next to the bare
/// AWS-LC RSA verification plus AES-256-GCM open it cannot avoid.
fn notification(c: &mut Criterion) {
    use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("../vectors/notifications.json"))
            .expect("vectors"),
    )
    .expect("JSON");
    let case = &vectors["cases"][0];
    let headers: Vec<(String, String)> = case["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_owned(),
                p[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body = case["body"].as_str().expect("body").as_bytes();
    let now = case["now"].as_i64();
    let key = case["apiv3_key"].as_str().expect("key");
    let config = json!({
        "mchid": "1230000109",
        "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
        "private_key": format!("file://{}", fixtures().join("merchant_key.pem").display()),
        "certs": case["certs"],
        "apiv3_key": key,
    });
    let client = Client::new(&Config::from_value(&config, None).expect("config")).expect("client");
    let mut g = c.benchmark_group("notification");
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let message = response_message(&get("Wechatpay-Timestamp"), &get("Wechatpay-Nonce"), body);
    let sig = base64::engine::general_purpose::STANDARD
        .decode(get("Wechatpay-Signature"))
        .expect("signature");
    let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der("platform_pub.pem"));
    let envelope: serde_json::Value = serde_json::from_slice(body).expect("body");
    let resource = &envelope["resource"];
    let ct = base64::engine::general_purpose::STANDARD
        .decode(resource["ciphertext"].as_str().unwrap_or_default())
        .expect("ciphertext");
    let nonce: [u8; 12] = resource["nonce"]
        .as_str()
        .unwrap_or_default()
        .as_bytes()
        .try_into()
        .expect("nonce");
    let aad = resource["associated_data"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let aes = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key.as_bytes()).expect("key"));
    g.bench_function("aws-lc-rs RSA verify + AES-256-GCM open (baseline)", |b| {
        b.iter(|| {
            public.verify(black_box(&message), &sig).expect("verifies");
            let mut data = ct.clone();
            let plain = aes
                .open_in_place(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad.as_bytes()),
                    &mut data,
                )
                .expect("opens");
            black_box(plain.len())
        })
    });
    g.bench_function("Client::parse_notification", |b| {
        b.iter(|| {
            client
                .parse_notification(
                    headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    black_box(body),
                    now,
                )
                .expect("parses")
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    signing,
    verification,
    uri_expansion,
    request_build,
    client_build,
    notification,
    events
);
criterion_main!(benches);
