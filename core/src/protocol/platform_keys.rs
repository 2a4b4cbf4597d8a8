//! Platform keys that WeChat Pay publishes (`auto_certificates`): which endpoint serves them,
//! a download answer decrypted and checked ([`parse`]), and the bookkeeping of downloads
//! ([`AutoCertificates`]: settings, timestamps, generation), without any I/O. The downloads
//! themselves are `crate::calls::certificates`.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::Value;

use crate::error::{quote, Error, ErrorKind, Result};
use crate::keys::PublicKey;

/// Default refresh interval, seconds (one day, as the official SDKs at most).
pub const DEFAULT_REFRESH_SECS: i64 = 86_400;
/// Fewest seconds between two downloads triggered by unknown serials.
pub const UNKNOWN_SERIAL_MIN_INTERVAL_SECS: i64 = 60;

/// Which certificate endpoint a client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /v3/certificates` (mainland).
    Mainland,
    /// `GET /hk/v3/certificates` (HK legacy).
    Hk,
    /// `GET /v3/global/certificates` (Global, `apihk.mch.weixin.qq.com`).
    Global,
}

impl Endpoint {
    /// The path of the endpoint.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Mainland => "/v3/certificates",
            Endpoint::Hk => "/hk/v3/certificates",
            Endpoint::Global => "/v3/global/certificates",
        }
    }

    /// From the configuration's `certificate_endpoint`, else from the base URI: its host
    /// `apihk.…` or a path under `/v3/global/` → Global, a path under `/hk/` → HK, else mainland.
    pub fn choose(configured: Option<&str>, base: &url::Url) -> Endpoint {
        match configured {
            Some("hk") => Endpoint::Hk,
            Some("global") => Endpoint::Global,
            Some(_) => Endpoint::Mainland,
            None if base.host_str().is_some_and(|h| h.starts_with("apihk."))
                || base.path().starts_with("/v3/global/") =>
            {
                Endpoint::Global
            }
            None if base.path().starts_with("/hk/") => Endpoint::Hk,
            None => Endpoint::Mainland,
        }
    }
}

/// A downloaded, checked platform certificate.
#[derive(Debug)]
pub struct Downloaded {
    /// Its serial (upper-case hex), the `Wechatpay-Serial` of what it signs.
    pub serial: String,
    /// The certificate, PEM.
    pub pem: String,
    /// Its key.
    pub key: PublicKey,
}

/// What a download gave.
#[derive(Debug)]
pub enum Outcome {
    /// The certificates valid now (installed in the client's verifier).
    Certificates(Vec<Downloaded>),
    /// `404 RESOURCE_NOT_EXISTS` (or `NOT_FOUND`) while a `PUB_KEY_ID_…` key is configured:
    /// this merchant uses the WeChat Pay public key and has no platform certificate. Not a
    /// failure.
    PublicKeyOnly,
}

/// The `auto_certificates` settings of a client and the outcome of its downloads.
#[derive(Debug)]
pub struct AutoCertificates {
    pub(crate) enabled: bool,
    pub(crate) refresh_secs: i64,
    pub(crate) endpoint: Option<String>,
    /// Unix seconds of the last download that succeeded (0: none).
    pub(crate) fetched_at: AtomicI64,
    /// Unix seconds of the last download attempted (0: none).
    pub(crate) attempted_at: AtomicI64,
    /// Unix seconds of the last download an unknown serial triggered (0: none): the rate limit.
    pub(crate) unknown_serial_at: AtomicI64,
    /// Downloads finished so far: tells a call whether keys may have changed since it looked.
    pub(crate) generation: AtomicU64,
    /// The last download said "public key only".
    pub(crate) public_key_only: AtomicBool,
    /// A notification named an unknown serial: refresh before the next call (notifications are
    /// parsed without I/O).
    pub(crate) wanted: AtomicBool,
    /// The last download's error, if it failed.
    pub(crate) last_error: Mutex<Option<String>>,
}

impl AutoCertificates {
    /// The settings `auto_certificates`, `certificate_refresh` (seconds; default a day) and
    /// `certificate_endpoint`, nothing downloaded yet.
    pub(crate) fn new(enabled: bool, refresh_secs: Option<u64>, endpoint: Option<String>) -> Self {
        AutoCertificates {
            enabled,
            refresh_secs: refresh_secs.map_or(DEFAULT_REFRESH_SECS, |s| {
                i64::try_from(s).unwrap_or(DEFAULT_REFRESH_SECS)
            }),
            endpoint,
            fetched_at: AtomicI64::new(0),
            attempted_at: AtomicI64::new(0),
            unknown_serial_at: AtomicI64::new(0),
            generation: AtomicU64::new(0),
            public_key_only: AtomicBool::new(false),
            wanted: AtomicBool::new(false),
            last_error: Mutex::new(None),
        }
    }

    pub(crate) fn record(&self, now: i64, outcome: &Result<Outcome>) {
        self.attempted_at.store(now, Ordering::Release);
        self.generation.fetch_add(1, Ordering::AcqRel);
        let mut last = self.last_error.lock().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(o) => {
                self.fetched_at.store(now, Ordering::Release);
                self.public_key_only
                    .store(matches!(o, Outcome::PublicKeyOnly), Ordering::Release);
                *last = None;
            }
            Err(e) => *last = Some(e.to_string()),
        }
    }
}

impl AutoCertificates {
    /// How many downloads have finished (read before verifying: a call that sees it moved
    /// verifies again instead of downloading).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A notification named an unknown serial: with `auto_certificates`, the next call downloads
    /// first. Returns whether it will.
    pub(crate) fn want_refresh(&self) -> bool {
        if self.enabled {
            self.wanted.store(true, Ordering::Release);
        }
        self.enabled
    }
}

fn decode(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Decode, message)
}

/// Each downloaded certificate's key by serial (a `PublicKey` is not `Clone`: parsed again from
/// the PEM checked a moment ago).
pub(crate) fn keys_of(downloaded: &[Downloaded]) -> impl Iterator<Item = (String, PublicKey)> + '_ {
    downloaded.iter().filter_map(|d| {
        PublicKey::from_pem(&d.pem)
            .ok()
            .map(|k| (d.serial.clone(), k))
    })
}

/// The certificates of a download answer's body, decrypted and checked; expired ones left out.
pub fn parse(body: &[u8], key: &crate::aead::Apiv3Key, now: i64) -> Result<Vec<Downloaded>> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| decode(format!("the certificate download answer is not JSON ({e})")))?;
    let data = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| decode("the certificate download answer has no `data` list"))?;
    let mut out = Vec::new();
    for (i, item) in data.iter().enumerate() {
        let text = |k: &str| -> Result<String> {
            item.pointer(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    decode(format!(
                        "certificate {i} of the download has no `{}`",
                        k.trim_start_matches('/').replace('/', ".")
                    ))
                })
        };
        let serial_no = text("/serial_no")?.to_ascii_uppercase();
        let algorithm = text("/encrypt_certificate/algorithm")?;
        if algorithm != crate::notify::ALGORITHM {
            return Err(decode(format!(
                "certificate {i} is encrypted with `{}`; wxpay decrypts {}",
                quote(&algorithm),
                crate::notify::ALGORITHM
            )));
        }
        let aad = item
            .pointer("/encrypt_certificate/associated_data")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let plain = key.decrypt(
            "encrypt_certificate",
            &text("/encrypt_certificate/nonce")?,
            aad.as_bytes(),
            &text("/encrypt_certificate/ciphertext")?,
        )?;
        let pem = String::from_utf8(plain.to_vec()).map_err(|_| {
            decode(format!(
                "certificate {i} decrypts to something that is not PEM text"
            ))
        })?;
        let cert = PublicKey::from_pem(&pem)
            .map_err(|why| decode(format!("downloaded certificate {serial_no} {why}")))?;
        let serial = cert.certificate_serial().unwrap_or_default().to_owned();
        if serial.is_empty() || (serial != serial_no && serial != serial_no.trim_start_matches('0'))
        {
            return Err(decode(format!(
                "downloaded certificate {i} says serial_no {} but its certificate's serial is {}: refused",
                quote(&serial_no),
                if serial.is_empty() { "absent (not a certificate)".to_owned() } else { serial }
            )));
        }
        if cert.not_after().is_some_and(|t| t < now) {
            continue; // WeChat Pay never signs with an expired certificate
        }
        out.push(Downloaded {
            serial: serial_no,
            pem,
            key: cert,
        });
    }
    if out.is_empty() {
        return Err(decode(
            "the certificate download gave no certificate valid now (`data` is empty or every certificate has expired)",
        ));
    }
    Ok(out)
}
