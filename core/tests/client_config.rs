//! Building a client from bad configuration: each case is a CONFIG error naming the field and
//! saying what is wrong, never echoing key material.

use std::path::Path;

use serde_json::{json, Value};
use wxpay::{Client, Config, ErrorKind};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures"))
}

fn base() -> Value {
    json!({
        "mchid": "1230000109",
        "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
        "private_key": "file://merchant_key.pem",
        "certs": {"PUB_KEY_ID_0112300001092026112600000000000001": "file://platform_pub.pem"},
    })
}

fn build(v: &Value) -> wxpay::Result<Client> {
    Client::new(&Config::from_value(v, Some(fixtures()))?)
}

fn pem(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

#[test]
fn the_fixture_configuration_builds() {
    let c = build(&base()).unwrap();
    assert_eq!(c.signer().mchid(), "1230000109");
    assert_eq!(c.base_uri().as_str(), "https://api.mch.weixin.qq.com/");
    let from_file = Config::from_file(fixtures().join("client_config.json")).unwrap();
    Client::new(&from_file).unwrap();
    // Inline PEM text works as well as file:// paths.
    let mut v = base();
    v["private_key"] = json!(pem("merchant_key_pkcs1.pem"));
    v["certs"] = json!({"5157f09efdc096de15ebe81a47057a7232f1b8e1": pem("platform_cert.pem")});
    let c = build(&v).unwrap();
    assert_eq!(
        c.verifier().serials(),
        ["5157F09EFDC096DE15EBE81A47057A7232F1B8E1"]
    );
}

#[test]
fn bad_key_material_is_named_and_never_echoed() {
    let garbage = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "private_key",
            json!("file://encrypted_key.pem"),
            "encrypted",
        ),
        ("private_key", json!("file://ec_key.pem"), "not RSA"),
        (
            "private_key",
            json!("file://merchant_cert.pem"),
            "certificate, not a private key",
        ),
        (
            "private_key",
            json!("file://merchant_pub.pem"),
            "public key",
        ),
        (
            "private_key",
            json!("file://missing.pem"),
            "cannot read file",
        ),
        ("private_key", json!("apiclient_key.pem"), "file://"),
        ("private_key", json!("not a key"), "not PEM"),
        ("private_key", json!(garbage), "AWS-LC rejects"),
        (
            "certs",
            json!({"PUB_KEY_ID_1": "file://merchant_key.pem"}),
            "private key",
        ),
        ("certs", json!({"PUB_KEY_ID_1": "garbage"}), "not PEM"),
        (
            "certs",
            json!({"0123": "file://platform_cert.pem"}),
            "serial is 5157F09E",
        ),
        (
            "ca_certs",
            json!(["file://merchant_pub.pem"]),
            "not a PEM certificate",
        ),
        (
            "ca_certs",
            json!(["file://missing-ca.pem"]),
            "cannot read file",
        ),
        (
            "base_uri",
            json!("http://api.mch.weixin.qq.com/"),
            "insecure_http",
        ),
        ("base_uri", json!("not a url"), "not an absolute URL"),
    ];
    for (field, value, want) in cases {
        let mut v = base();
        v[field] = value.clone();
        let e = build(&v).expect_err(field);
        assert_eq!(e.kind(), ErrorKind::Config, "{field}={value}: {e}");
        assert!(
            e.message().contains(field),
            "{field}={value}: {}",
            e.message()
        );
        assert!(
            e.message().contains(want),
            "{field}={value}: {}",
            e.message()
        );
        for secret in [
            &pem("merchant_key.pem")[40..80],
            &pem("encrypted_key.pem")[50..90],
            "MIIEvQIBADANBgkq",
        ] {
            assert!(
                !e.message().contains(secret),
                "{field}: key material in {}",
                e.message()
            );
            assert!(
                !format!("{e:?}").contains(secret),
                "{field}: key material in Debug"
            );
        }
    }
}

#[test]
fn debug_output_of_a_client_shows_no_key() {
    let c = build(&base()).unwrap();
    let d = format!("{c:?}");
    assert!(d.contains("redacted"), "{d}");
    assert!(!d.contains(&pem("merchant_key.pem")[40..80]));
}

#[test]
fn the_apiv3_key_is_checked_by_length_and_never_shown() {
    let key = pem("apiv3_key.txt").trim().to_owned();
    for (value, ok) in [
        (json!(key.clone()), true),
        (json!("file://apiv3_key.txt"), true),
        (json!(format!("{key}x")), false),
        (json!(&key[..16]), false),
        (json!(""), false),
        (json!(32), false),
        (json!("file://missing.txt"), false),
    ] {
        for spelling in ["apiv3_key", "apiv3Key", "apiV3Key"] {
            let mut v = base();
            v[spelling] = value.clone();
            match build(&v) {
                Ok(c) => {
                    assert!(ok, "{spelling} = {value} was accepted");
                    let config = format!("{:?}", Config::from_value(&v, Some(fixtures())).unwrap());
                    for shown in [format!("{c:?}"), config] {
                        assert!(!shown.contains(&key[4..20]), "the key in Debug: {shown}");
                    }
                }
                Err(e) => {
                    assert!(!ok, "{spelling} = {value}: {e}");
                    assert_eq!(e.code(), "CONFIG");
                    assert!(e.message().contains(spelling), "{e}");
                    assert!(!e.message().contains(&key[4..20]), "the key in {e}");
                }
            }
        }
    }
    let mut v = base();
    v["apiv3_key"] = json!(key);
    v["apiV3Key"] = json!(key);
    assert!(build(&v).unwrap_err().message().contains("same setting"));
}

#[test]
fn only_the_merchant_credentials_and_the_apiv3_key_mean_downloaded_certificates() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("certs");
    v["apiv3_key"] = json!("file://apiv3_key.txt");
    let c = Config::from_value(&v, Some(fixtures())).unwrap();
    assert!(c.auto_certificates);
    v["auto_certificates"] = json!(false);
    let e = Config::from_value(&v, Some(fixtures())).unwrap_err();
    assert!(
        e.message().contains("certs") && e.message().contains("auto_certificates"),
        "{e}"
    );
    let mut v = base();
    v["apiv3_key"] = json!("file://apiv3_key.txt");
    assert!(
        !Config::from_value(&v, Some(fixtures()))
            .unwrap()
            .auto_certificates
    );
    let mut v = base();
    v["autoCertificates"] = json!(true);
    let e = Config::from_value(&v, Some(fixtures())).unwrap_err();
    assert!(
        e.message().contains("autoCertificates") && e.message().contains("apiv3_key"),
        "{e}"
    );
}
