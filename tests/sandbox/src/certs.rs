//! Platform certificates as WeChat Pay hands them out: `GET /v3/certificates`,
//! `/hk/v3/certificates`, `/v3/global/certificates` (each certificate encrypted with the
//! merchant's APIv3 key, AAD `certificate`), rotation, and the switch to the public key.
//!
//! Modes (`POST /_sandbox/certificates {"mode": …}`):
//! - `public_key` (the default, as before): answers are signed with the `PUB_KEY_ID_…` key;
//! - `certificate`: answers are signed with the newest platform certificate, unless the request
//!   names the public key in `Wechatpay-Serial` (the migration rule: the merchant decides);
//! - `public_key_only`: signed with the public key, and the certificate endpoints answer
//!   `404 RESOURCE_NOT_EXISTS`, as WeChat Pay answers merchants without a certificate.

use std::sync::Arc;

use serde_json::{json, Value};
use wxpay::keys::{PrivateKey, PublicKey};

use crate::*;

const CERT_PEM: &str = include_str!("../../fixtures/platform_cert.pem");
const CERT_KEY: &str = include_str!("../../fixtures/platform_cert_key.pem");

/// A platform certificate and its key.
pub(crate) struct PlatformCert {
    pub(crate) serial: String,
    pub(crate) pem: String,
    pub(crate) key: Arc<PrivateKey>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    PublicKey,
    Certificate,
    PublicKeyOnly,
}

pub(crate) struct Certs {
    pub(crate) list: Vec<Arc<PlatformCert>>,
    pub(crate) mode: Mode,
    /// The next download lists a certificate under a serial that is not its own.
    pub(crate) mismatch: bool,
    /// Downloads served (for rate-limit tests).
    pub(crate) downloads: u64,
}

impl Certs {
    pub(crate) fn new() -> Result<Certs, String> {
        let key =
            PrivateKey::from_pem(CERT_KEY).map_err(|e| format!("platform_cert_key.pem {e}"))?;
        let serial = PublicKey::from_pem(CERT_PEM)
            .map_err(|e| format!("platform_cert.pem {e}"))?
            .certificate_serial()
            .unwrap_or_default()
            .to_owned();
        Ok(Certs {
            list: vec![Arc::new(PlatformCert {
                serial,
                pem: CERT_PEM.to_owned(),
                key: Arc::new(key),
            })],
            mode: Mode::PublicKey,
            mismatch: false,
            downloads: 0,
        })
    }
}

/// Who signs an answer.
pub(crate) struct Signing {
    pub(crate) serial: String,
    pub(crate) key: Arc<PrivateKey>,
}

impl State {
    fn certs(&self) -> std::sync::MutexGuard<'_, Certs> {
        self.certs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key that signs the answer to a request that named `requested` in `Wechatpay-Serial`
    /// (`None`: the public key, as always before).
    pub(crate) fn signing_for(&self, requested: Option<&str>) -> Option<Signing> {
        let c = self.certs();
        match c.mode {
            Mode::Certificate if requested != Some(self.platform_serial.as_str()) => {
                c.list.last().map(|cert| Signing {
                    serial: cert.serial.clone(),
                    key: cert.key.clone(),
                })
            }
            _ => None,
        }
    }

    /// `GET …/certificates`.
    pub(crate) fn certificates(&self) -> Answer {
        let mut c = self.certs();
        if c.mode == Mode::PublicKeyOnly {
            return error_answer(
                404,
                "RESOURCE_NOT_EXISTS",
                "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥 (no platform certificate: use the WeChat Pay public key)",
                None,
            );
        }
        c.downloads += 1;
        let mismatch = std::mem::take(&mut c.mismatch);
        let data: Vec<Value> = c
            .list
            .iter()
            .map(|cert| {
                let nonce = random_hex(6);
                let parsed = PublicKey::from_pem(&cert.pem).ok();
                let date = |t: Option<i64>| t.map(wxpay::keys::utc_date).unwrap_or_default();
                json!({
                    "serial_no": if mismatch { "0123456789ABCDEF0123456789ABCDEF01234567".to_owned() } else { cert.serial.clone() },
                    "effective_time": date(parsed.as_ref().and_then(PublicKey::not_before)),
                    "expire_time": date(parsed.as_ref().and_then(PublicKey::not_after)),
                    "encrypt_certificate": {
                        "algorithm": "AEAD_AES_256_GCM",
                        "nonce": nonce,
                        "associated_data": "certificate",
                        "ciphertext": crate::notify::encrypt(self.apiv3_key.as_bytes(), &nonce, "certificate", cert.pem.as_bytes()),
                    },
                })
            })
            .collect();
        Answer {
            status: 200,
            body: serde_json::to_vec(&json!({"data": data})).unwrap_or_default(),
        }
    }

    /// `POST /_sandbox/certificates`: `{"mode": …}`, `{"action": "rotate"}` (a new certificate
    /// that signs from now on; the old one stays listed), `{"action": "retire"}` (only the
    /// newest stays), `{"action": "mismatch"}` (the next download lies about a serial).
    /// `GET /_sandbox/certificates`: the serials, the mode and the downloads served.
    pub(crate) fn certificates_control(&self, parsed: &Value) -> Result<Value, String> {
        let mut c = self.certs();
        if let Some(mode) = parsed.get("mode").and_then(Value::as_str) {
            c.mode = match mode {
                "public_key" => Mode::PublicKey,
                "certificate" => Mode::Certificate,
                "public_key_only" => Mode::PublicKeyOnly,
                other => {
                    return Err(format!(
                        "unknown mode `{other}`; one of public_key, certificate, public_key_only"
                    ))
                }
            };
        }
        match parsed.get("action").and_then(Value::as_str) {
            None => {}
            Some("rotate") => {
                let nth = c.list.len() as i64;
                drop(c);
                let cert = new_certificate(nth)?;
                c = self.certs();
                c.list.push(Arc::new(cert));
            }
            Some("retire") => {
                let keep = c.list.len().saturating_sub(1);
                c.list.drain(..keep);
            }
            Some("mismatch") => c.mismatch = true,
            Some(other) => {
                return Err(format!(
                    "unknown action `{other}`; one of rotate, retire, mismatch"
                ))
            }
        }
        Ok(json!({
            "mode": format!("{:?}", c.mode),
            "serials": c.list.iter().map(|x| x.serial.clone()).collect::<Vec<_>>(),
            "downloads": c.downloads,
        }))
    }
}

/// A new platform certificate: an RSA-2048 key and a self-signed certificate valid for five
/// years from a minute ago (plus `nth` seconds, so that the newest starts last), with a random
/// 20-byte serial.
fn new_certificate(nth: i64) -> Result<PlatformCert, String> {
    use rcgen::{CertificateParams, DnType, KeyPair, SerialNumber};
    let err = |e: rcgen::Error| format!("cannot make a platform certificate: {e}");
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .map_err(err)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    params.distinguished_name.push(
        DnType::CommonName,
        "wxpay-sandbox platform certificate (TEST ONLY)",
    );
    let mut serial = [0u8; 20];
    let _ = aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x10; // positive, no leading zero byte
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    let now = time::OffsetDateTime::now_utc();
    // Newer certificates start later, even when two are made within one second.
    params.not_before = now - time::Duration::minutes(1) + time::Duration::seconds(nth);
    params.not_after = now + time::Duration::days(5 * 365);
    let cert = params.self_signed(&key).map_err(err)?;
    let pem = cert.pem();
    let private =
        PrivateKey::from_pem(&key.serialize_pem()).map_err(|e| format!("generated key {e}"))?;
    let serial = PublicKey::from_pem(&pem)
        .map_err(|e| format!("generated certificate {e}"))?
        .certificate_serial()
        .unwrap_or_default()
        .to_owned();
    Ok(PlatformCert {
        serial,
        pem,
        key: Arc::new(private),
    })
}
