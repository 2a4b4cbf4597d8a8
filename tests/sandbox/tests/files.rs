//! Files (core/src/files.rs) against the sandbox over TLS: uploads signed over `meta`, bills
//! downloaded plain and gzip with their digest checked, statements verified through their SHA-1,
//! and every failure leaving nothing behind.

mod common;

use std::path::Path;

use common::*;
use serde_json::{json, Value};
use wxpay::{DownloadSpec, ErrorKind, Operation, RequestOptions, UploadFile, VerifyFailure};

const B1_SHA1: &str = "9bb6cd819be348f17a9cbcedddc8eb62fefbd790";

fn spec(v: Value) -> DownloadSpec {
    DownloadSpec::from_value(&v).unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn count(sb: &wxpay_sandbox::Sandbox, part: &str) -> usize {
    requests(sb)
        .await
        .iter()
        .filter(|r| r["target"].as_str().unwrap().contains(part))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_sign_the_meta_and_check_sizes_before_sending() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let image =
        UploadFile::from_bytes("photo.png", vec![0x89, b'P', b'N', b'G', 1, 2, 3], None).unwrap();
    assert_eq!(image.mime, "image/png");
    let none = RequestOptions::default();
    let op = Operation::upload(
        &client,
        "v3/merchant/media/upload",
        &none,
        &json!({}),
        &image,
    )
    .unwrap();
    let r = op.run(&client).await.unwrap();
    let v: Value = r.json().unwrap();
    assert!(v["media_id"]
        .as_str()
        .unwrap()
        .starts_with("sandbox-media-"));

    // Global file storage names the digest `digest`: a null asks wxpay to fill it in.
    let pdf = UploadFile::from_bytes("contract.pdf", b"%PDF-1.4 test".to_vec(), None).unwrap();
    let options =
        RequestOptions::from_value(&json!({"base_uri": "https://apihk.mch.weixin.qq.com/"}))
            .unwrap();
    let op = Operation::upload(
        &client,
        "v3/global/merchant-storage/file/upload",
        &options,
        &json!({"filename": "contract.pdf", "digest": null}),
        &pdf,
    )
    .unwrap();
    assert!(op.run(&client).await.unwrap().json().unwrap()["file_id"].is_string());

    // The dry run shows what is signed: the meta, not the multipart body.
    let signed = String::from_utf8(op.prepared().signed_body().to_vec()).unwrap();
    assert!(
        signed.starts_with("{\"filename\":\"contract.pdf\",\"digest\":\""),
        "{signed}"
    );
    assert!(op.prepared().body.len() > signed.len());

    // Refused before anything is sent: too big for the endpoint, a wrong digest, a bad meta.
    let before = count(&sb, "/media/upload").await;
    let big = UploadFile::from_bytes("big.jpg", vec![0u8; 5 * 1024 * 1024 + 1], None).unwrap();
    let e = Operation::upload(&client, "v3/merchant/media/upload", &none, &json!({}), &big)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(
        e.message().contains("at most 5242880 bytes"),
        "{}",
        e.message()
    );
    let e = Operation::upload(
        &client,
        "v3/merchant/media/upload",
        &none,
        &json!({"sha256": "00"}),
        &image,
    )
    .unwrap_err();
    assert!(
        e.message().contains("is not the SHA-256 of the file"),
        "{}",
        e.message()
    );
    let e = Operation::upload(
        &client,
        "v3/merchant/media/upload",
        &none,
        &json!([1]),
        &image,
    )
    .unwrap_err();
    assert!(
        e.message().contains("must be a JSON object"),
        "{}",
        e.message()
    );
    let e = UploadFile::from_path(Path::new("/nonexistent/x.png"), None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        count(&sb, "/media/upload").await,
        before,
        "nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bills_plain_and_gzip_are_checked_and_failures_leave_nothing() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({"timeout_ms": 1500}));
    let dir = tempdir("bills");
    let out = dir.join("bill.csv");

    // B1: the published bill, plain and gzip, with its published SHA-1.
    for tar in [None, Some("GZIP")] {
        let mut query = json!({"bill_date": "2019-02-01", "bill_type": "ALL"});
        if let Some(t) = tar {
            query["tar_type"] = json!(t);
        }
        let d = client
            .download_spec(&spec(json!({"bill": "tradebill", "query": query})), &out)
            .await
            .unwrap();
        assert_eq!(
            (d.bytes, d.sha1.as_str(), d.checked),
            (14_686, B1_SHA1, true)
        );
        if tar.is_some() {
            assert!(
                d.received < d.bytes,
                "gzip: {} received for {}",
                d.received,
                d.bytes
            );
        }
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "the BOM is kept");
        assert_eq!(wxpay::files::sha1_hex(&bytes), B1_SHA1);
    }
    // A generated fund-flow bill of 300,000 bytes, gzip.
    control(&sb, "POST", "bills", json!({"bytes": 300_000})).await;
    let d = client
        .download_spec(
            &spec(json!({"bill": "fundflowbill", "query": {"bill_date": "2026-11-26", "tar_type": "GZIP"}})),
            &out,
        )
        .await
        .unwrap();
    assert_eq!(d.bytes, 300_000);
    assert_eq!(files_in(&dir), ["bill.csv"]);

    // A wrong digest: VERIFY DIGEST_MISMATCH, and the partial file is gone (the old one stays).
    std::fs::remove_file(&out).unwrap();
    fault(
        &sb,
        json!({"fault": "wrong_digest", "path": "/v3/bill/tradebill"}),
    )
    .await;
    let e = client
        .download_spec(
            &spec(json!({"bill": "tradebill", "query": {"bill_date": "2026-11-26"}})),
            &out,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.verify_failure(),
        Some(VerifyFailure::DigestMismatch),
        "{e}"
    );
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));

    // Truncated mid-body, plain and gzip: a TRANSPORT (or DECODE) error, nothing left.
    for tar in ["", "GZIP"] {
        fault(
            &sb,
            json!({"fault": "truncated_body", "path": "/billdownload/"}),
        )
        .await;
        let e = client
            .download_spec(
                &spec(json!({"bill": "tradebill", "query": {"bill_date": "2026-11-26", "tar_type": tar}})),
                &out,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::Transport | ErrorKind::Decode | ErrorKind::Verify
            ),
            "{e}"
        );
        assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
    }

    // A body that stalls longer than timeout_ms: TIMEOUT, nothing left.
    fault(
        &sb,
        json!({"fault": "slow_body", "path": "/billdownload/", "delay_ms": 3000}),
    )
    .await;
    let e = client
        .download_spec(
            &spec(json!({"bill": "tradebill", "query": {"bill_date": "2026-11-26"}})),
            &out,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(files_in(&dir).is_empty());

    // Bounded: more than max_bytes after decompression is DECODE.
    let e = client
        .download_spec(
            &spec(json!({"bill": "tradebill", "query": {"bill_date": "2026-11-26", "tar_type": "GZIP"}, "max_bytes": 1000})),
            &out,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert!(e.message().contains("max_bytes=1000"), "{e}");
    assert!(files_in(&dir).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_url_elsewhere_never_gets_the_signature() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let before = requests(&sb).await.len();
    for url in [
        "https://evil.example/v3/billdownload/file?token=x",
        "http://api.mch.weixin.qq.com/v3/billdownload/file?token=x",
        "https://user:pw@api.mch.weixin.qq.com/v3/billdownload/file?token=x",
    ] {
        let mut sink = Vec::new();
        let e = client
            .download(url, &Default::default(), &mut sink)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{url}: {e}");
        assert!(!e.message().contains("pw"), "{e}");
    }
    assert_eq!(requests(&sb).await.len(), before, "nothing was sent");
    // The one WeChat Pay gave: signed with the canonical URL as given, unverified.
    let mut sink = Vec::new();
    let d = client
        .download(
            "https://api.mch.weixin.qq.com/v3/billdownload/file?token=tradebill.2019-02-01",
            &wxpay::DownloadOptions {
                expect_sha1: Some(B1_SHA1.into()),
                ..Default::default()
            },
            &mut sink,
        )
        .await
        .unwrap();
    assert!(d.checked && sink.len() == 14_686);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_are_verified_through_their_sha1() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let dir = tempdir("statements");
    let out = dir.join("statement.csv");
    for (which, gzip) in [
        ("hk", true),
        ("global", true),
        ("hk", false),
        ("global", false),
    ] {
        let d = client
            .download_spec(
                &spec(json!({"statement": which, "gzip": gzip, "query": {"date": "20190201", "mchid": "1230000109"}})),
                &out,
            )
            .await
            .unwrap();
        assert_eq!(
            (d.sha1.as_str(), d.bytes, d.checked),
            (B1_SHA1, 14_686, true),
            "{which}"
        );
        assert_eq!(gzip, d.received < d.bytes, "{which} gzip={gzip}");
    }
    let targets: Vec<String> = requests(&sb)
        .await
        .iter()
        .map(|r| r["target"].as_str().unwrap().to_owned())
        .collect();
    assert!(targets.contains(&"/hk/v3/statements?date=20190201&mchid=1230000109".to_owned()));
    assert!(targets.contains(&"/v3/global/statements?date=20190201&mchid=1230000109".to_owned()));

    std::fs::remove_file(&out).unwrap();
    for (f, want) in [
        ("bad_signature", Some(VerifyFailure::BadSignature)),
        ("no_signature", Some(VerifyFailure::MissingHeaders)),
        ("wrong_digest", Some(VerifyFailure::DigestMismatch)),
        ("truncated_body", None),
    ] {
        fault(&sb, json!({"fault": f, "path": "/statements"})).await;
        let e = client
            .download_spec(
                &spec(json!({"statement": "global", "gzip": false, "query": {"date": "20261126", "mchid": "1230000109"}})),
                &out,
            )
            .await
            .unwrap_err();
        match want {
            Some(w) => assert_eq!(e.verify_failure(), Some(w), "{f}: {e}"),
            None => assert_eq!(e.kind(), ErrorKind::Transport, "{f}: {e}"),
        }
        assert!(files_in(&dir).is_empty(), "{f}: {:?}", files_in(&dir));
    }
}

#[test]
fn download_specs_name_their_mistakes() {
    for (v, part) in [
        (json!({"url": "x", "bill": "tradebill"}), "exactly one of"),
        (json!({"bill": "weekly"}), "\"tradebill\""),
        (json!({"bill": "tradebill"}), "bill_date"),
        (json!({"statement": "cn", "query": {"date": "1"}}), "\"hk\""),
        (json!({"url": "x", "hash_value": "abc"}), "40 hex digits"),
        (
            json!({"url": "x", "hash_type": "MD5", "hash_value": B1_SHA1}),
            "SHA1",
        ),
        (json!({"url": "x", "max_bytes": 0}), "positive integer"),
        (json!({"url": "x", "sink": 1}), "unknown download option"),
    ] {
        let e = DownloadSpec::from_value(&v).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains(part), "{v}: {}", e.message());
    }
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wxpay-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Issue 16: a 1 GiB bill, gzip, streamed into a file with its digest checked, memory flat.
/// Outside `make test` (about a minute in release): `make test-long`. Prints the peak RSS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: run with `make test-long`"]
async fn a_1_gib_gzip_bill_streams_with_flat_memory() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({"timeout_ms": 30_000}));
    const GIB: u64 = 1024 * 1024 * 1024;
    control(&sb, "POST", "bills", json!({"bytes": GIB})).await;
    let dir = tempdir("gib");
    let out = dir.join("bill.csv");
    // Reset the peak (VmHWM) to the current RSS, so the figure is this download's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmHWM:");
    let started = std::time::Instant::now();
    let d = client
        .download_spec(
            &spec(json!({"bill": "tradebill", "query": {"bill_date": "2026-11-26", "tar_type": "GZIP"}})),
            &out,
        )
        .await
        .unwrap();
    let peak = status_kib("VmHWM:");
    println!(
        "1 GiB gzip bill: {} bytes written, {} received, checked={}, {:.1} s; peak RSS {} MiB (was {} MiB before the download, +{} MiB) — client and sandbox in one process",
        d.bytes,
        d.received,
        d.checked,
        started.elapsed().as_secs_f64(),
        peak / 1024,
        before / 1024,
        peak.saturating_sub(before) / 1024
    );
    assert_eq!((d.bytes, d.checked), (GIB, true));
    assert_eq!(std::fs::metadata(&out).unwrap().len(), GIB);
    assert!(
        peak.saturating_sub(before) < 64 * 1024,
        "memory grew by {} MiB while streaming 1 GiB",
        peak.saturating_sub(before) / 1024
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_downloads_to_one_path_do_not_share_a_partial_file() {
    let sb = tls_sandbox(false).await;
    let client = client(&sb, json!({}));
    let dir = tempdir("concurrent");
    let out = dir.join("bill.csv");
    let s = spec(
        json!({"bill": "tradebill", "query": {"bill_date": "2019-02-01", "tar_type": "GZIP"}}),
    );
    let (a, b) = tokio::join!(
        client.download_spec(&s, &out),
        client.download_spec(&s, &out)
    );
    assert_eq!(
        (a.unwrap().sha1, b.unwrap().sha1),
        (B1_SHA1.to_owned(), B1_SHA1.to_owned())
    );
    assert_eq!(files_in(&dir), ["bill.csv"]);
    assert_eq!(
        wxpay::files::sha1_hex(&std::fs::read(&out).unwrap()),
        B1_SHA1
    );
}
