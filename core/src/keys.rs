//! Key material: PEM decoding, the merchant private key and the platform public keys.
//!
//! Error messages here describe the *kind* of material found (a certificate, an EC key, an
//! encrypted key…) and never include any of its bytes.

use std::fmt;
use std::path::{Path, PathBuf};

use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use base64::Engine;
use zeroize::Zeroizing;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Read a configuration value that is either inline text or a `file://` path.
///
/// A relative `file://` path is resolved against `base_dir` (the folder of the configuration
/// file) when one is given, else against the current directory. The text is returned in a
/// buffer that is zeroed when dropped.
pub fn read_text_or_file(
    field: &str,
    value: &str,
    base_dir: Option<&Path>,
) -> Result<Zeroizing<String>, String> {
    match value.strip_prefix("file://") {
        Some(path) => {
            if path.is_empty() {
                return Err(format!("config field `{field}`: `file://` needs a path after it, e.g. `file:///etc/wxpay/apiclient_key.pem`"));
            }
            let mut p = PathBuf::from(path);
            if p.is_relative() {
                if let Some(dir) = base_dir {
                    p = dir.join(p);
                }
            }
            let bytes = std::fs::read(&p).map_err(|e| {
                format!(
                    "config field `{field}`: cannot read file `{}`: {e}",
                    p.display()
                )
            })?;
            String::from_utf8(bytes).map(Zeroizing::new).map_err(|_| {
                format!(
                    "config field `{field}`: file `{}` is not text; PEM files are ASCII (convert DER with `openssl pkey -inform DER`)",
                    p.display()
                )
            })
        }
        None => Ok(Zeroizing::new(value.to_owned())),
    }
}

/// PEM labels a message may name.
const KNOWN_LABELS: [&str; 8] = [
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "EC PRIVATE KEY",
    "PUBLIC KEY",
    "RSA PUBLIC KEY",
    "CERTIFICATE",
    "X509 CRL",
];

/// One decoded PEM block.
struct Pem {
    label: String,
    encrypted_header: bool,
    der: Zeroizing<Vec<u8>>,
}

/// Decode the first PEM block of `text`. Text before `-----BEGIN` is ignored, as OpenSSL does.
fn decode_pem(text: &str) -> Result<Pem, String> {
    let start = text.find("-----BEGIN ").ok_or_else(|| {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            "is empty".to_owned()
        } else if trimmed.ends_with(".pem") || trimmed.starts_with('/') || trimmed.starts_with("./") {
            "looks like a file path; write it as `file://PATH` to read the file".to_owned()
        } else {
            "is not PEM text: expected a block starting with `-----BEGIN …-----` (or a `file://` path)".to_owned()
        }
    })?;
    let rest = &text[start + "-----BEGIN ".len()..];
    // The label ends on the BEGIN line and is a few capitals ("RSA PRIVATE KEY"). Anything else is
    // reported without echoing it: it may be key material.
    let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let label_end = rest[..line_end]
        .find("-----")
        .filter(|&n| {
            n <= 40
                && rest[..n]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        })
        .ok_or("has a malformed `-----BEGIN …-----` line")?;
    let label = rest[..label_end].trim().to_owned();
    let body_and_end = &rest[label_end + 5..];
    // Only labels from this list are ever named in a message: anything else on a BEGIN line may
    // be key material.
    let shown = if KNOWN_LABELS.contains(&label.as_str()) {
        format!("`{label}`")
    } else {
        "an unrecognised".to_owned()
    };
    let end_marker = format!("-----END {label}-----");
    let end = body_and_end
        .find(&end_marker)
        .ok_or_else(|| format!("has {shown} PEM block without its `-----END …-----` line"))?;
    let body = &body_and_end[..end];
    let mut encrypted_header = false;
    let mut b64 = Zeroizing::new(String::with_capacity(body.len()));
    for line in body.lines() {
        let line = line.trim();
        if line.contains(':') {
            // RFC 1421 headers, as in legacy encrypted PKCS#1 ("Proc-Type: 4,ENCRYPTED").
            if line.contains("ENCRYPTED") {
                encrypted_header = true;
            }
            continue;
        }
        b64.push_str(line);
    }
    let der = B64
        .decode(b64.as_bytes())
        .map_err(|_| format!("has {shown} PEM block whose base64 body is corrupt"))?;
    Ok(Pem {
        label,
        encrypted_header,
        der: Zeroizing::new(der),
    })
}

/// The merchant's RSA private key (the key of `apiclient_key.pem`), parsed once.
///
/// Its `Debug` output is redacted. The parsed key lives inside AWS-LC, which wipes it when freed;
/// the PEM text and DER bytes it was parsed from are zeroed as soon as parsing is done.
pub struct PrivateKey {
    key: KeyPair,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl PrivateKey {
    /// Parse a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    /// The error text describes what was found instead, never its content.
    pub fn from_pem(text: &str) -> Result<PrivateKey, String> {
        let pem = decode_pem(text)?;
        let parsed = match pem.label.as_str() {
            "PRIVATE KEY" => KeyPair::from_pkcs8(&pem.der).map_err(|e| {
                if format!("{e:?}").contains("WrongAlgorithm") {
                    "is a PKCS#8 key that is not RSA (WeChat Pay APIv3 merchant keys are RSA 2048)".to_owned()
                } else {
                    format!("is a PKCS#8 key that AWS-LC rejects ({})", e.description_())
                }
            })?,
            "RSA PRIVATE KEY" if pem.encrypted_header => {
                return Err(encrypted_hint());
            }
            "RSA PRIVATE KEY" => KeyPair::from_der(&pem.der)
                .map_err(|e| format!("is a PKCS#1 RSA key that AWS-LC rejects ({})", e.description_()))?,
            "ENCRYPTED PRIVATE KEY" => return Err(encrypted_hint()),
            "EC PRIVATE KEY" => {
                return Err("is an EC private key; WeChat Pay APIv3 needs the merchant's RSA private key (apiclient_key.pem)".to_owned())
            }
            "CERTIFICATE" => {
                return Err("is a certificate, not a private key: use apiclient_key.pem here, not apiclient_cert.pem".to_owned())
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return Err("is a public key; the merchant's private key is needed (apiclient_key.pem)".to_owned())
            }
            _ => {
                return Err(
                    "is a PEM block of another type; expected `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1)"
                        .to_owned(),
                )
            }
        };
        if parsed.public_modulus_len() < 256 {
            return Err(
                "is an RSA key shorter than 2048 bits; WeChat Pay APIv3 requires RSA 2048"
                    .to_owned(),
            );
        }
        Ok(PrivateKey { key: parsed })
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`, as standard base64.
    pub fn sign_base64(&self, message: &[u8]) -> crate::Result<String> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key
            .sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .map_err(|_| {
                crate::Error::new(
                    crate::ErrorKind::Internal,
                    "AWS-LC failed to produce an RSA signature with a key it had accepted",
                )
            })?;
        Ok(B64.encode(&sig))
    }
}

impl PrivateKey {
    /// The matching public key as `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo) PEM text.
    pub fn public_key_pem(&self) -> crate::Result<String> {
        use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
        use aws_lc_rs::signature::KeyPair as _;
        let der: PublicKeyX509Der<'static> = self.key.public_key().as_der().map_err(|_| {
            crate::Error::new(
                crate::ErrorKind::Internal,
                "AWS-LC failed to encode a public key",
            )
        })?;
        Ok(pem_encode("PUBLIC KEY", der.as_ref()))
    }
}

/// Encode DER bytes as a PEM block with 64-column base64 lines.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn encrypted_hint() -> String {
    "is an encrypted private key; wxpay needs it decrypted: `openssl pkey -in apiclient_key.pem -out apiclient_key.decrypted.pem` (store the result with file mode 0600)".to_owned()
}

/// A public key that verifies WeChat Pay signatures: from a platform certificate or a
/// WeChat Pay public key (`PUB_KEY_ID_…`).
#[derive(Debug)]
pub struct PublicKey {
    key: ParsedPublicKey,
    /// For a certificate: its serial number, upper-case hex without leading zero bytes.
    cert_serial: Option<String>,
}

impl PublicKey {
    /// Parse `BEGIN PUBLIC KEY` (SPKI), `BEGIN RSA PUBLIC KEY` (PKCS#1) or `BEGIN CERTIFICATE`.
    pub fn from_pem(text: &str) -> Result<PublicKey, String> {
        let pem = decode_pem(text)?;
        let (spki, cert_serial): (Vec<u8>, Option<String>) = match pem.label.as_str() {
            "PUBLIC KEY" | "RSA PUBLIC KEY" => (pem.der.to_vec(), None),
            "CERTIFICATE" => {
                let (serial, spki) = certificate_serial_and_spki(&pem.der)
                    .ok_or("is a certificate that cannot be parsed as X.509")?;
                (spki.to_vec(), Some(serial))
            }
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "EC PRIVATE KEY" => {
                return Err("is a private key; WeChat Pay's public key or platform certificate belongs here".to_owned())
            }
            _ => {
                return Err(
                    "is a PEM block of another type; expected `PUBLIC KEY` or `CERTIFICATE`"
                        .to_owned(),
                )
            }
        };
        let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki).map_err(|e| {
            format!(
                "is not an RSA public key of 2048 bits or more ({})",
                e.description_()
            )
        })?;
        Ok(PublicKey { key, cert_serial })
    }

    /// Verify a base64 RSASSA-PKCS1-v1_5/SHA-256 signature over `message`.
    pub fn verify_base64(&self, message: &[u8], signature_b64: &str) -> bool {
        match B64.decode(signature_b64.as_bytes()) {
            Ok(sig) => self.key.verify_sig(message, &sig).is_ok(),
            Err(_) => false,
        }
    }

    /// The serial of the certificate this key came from, if it came from one.
    pub fn certificate_serial(&self) -> Option<&str> {
        self.cert_serial.as_deref()
    }
}

/// One DER element: its tag, its content, the whole element, and what follows it.
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

/// Read one DER TLV.
fn der_next(input: &[u8]) -> Option<Tlv<'_>> {
    let tag = *input.first()?;
    let first = *input.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    if end > input.len() {
        return None;
    }
    Some((tag, &input[header..end], &input[..end], &input[end..]))
}

/// From an X.509 certificate: its serial (upper-case hex) and its SubjectPublicKeyInfo element.
fn certificate_serial_and_spki(der: &[u8]) -> Option<(String, &[u8])> {
    let (tag, cert, _, _) = der_next(der)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, tbs, _, _) = der_next(cert)?;
    if tag != 0x30 {
        return None;
    }
    let (mut tag, mut content, _, mut rest) = der_next(tbs)?;
    if tag == 0xa0 {
        // [0] EXPLICIT version
        (tag, content, _, rest) = der_next(rest)?;
    }
    if tag != 0x02 {
        return None;
    }
    let serial_bytes = match content {
        [0, tail @ ..] if !tail.is_empty() => tail,
        all => all,
    };
    let serial: String = serial_bytes.iter().map(|b| format!("{b:02X}")).collect();
    // signature algorithm, issuer, validity, subject
    for _ in 0..4 {
        let (tag, _, _, r) = der_next(rest)?;
        if tag != 0x30 {
            return None;
        }
        rest = r;
    }
    let (tag, _, spki, _) = der_next(rest)?;
    if tag != 0x30 {
        return None;
    }
    Some((serial, spki))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(name);
        std::fs::read_to_string(p).unwrap()
    }

    #[test]
    fn reads_pkcs8_and_pkcs1_to_the_same_signature() {
        let a = PrivateKey::from_pem(&fixture("merchant_key.pem")).unwrap();
        let b = PrivateKey::from_pem(&fixture("merchant_key_pkcs1.pem")).unwrap();
        assert_eq!(a.sign_base64(b"x").unwrap(), b.sign_base64(b"x").unwrap());
        assert_eq!(format!("{a:?}"), "PrivateKey(<redacted>)");
        assert_eq!(a.public_key_pem().unwrap(), fixture("merchant_pub.pem"));
    }

    #[test]
    fn certificate_serial_is_upper_hex() {
        let k = PublicKey::from_pem(&fixture("platform_cert.pem")).unwrap();
        assert_eq!(
            k.certificate_serial(),
            Some("5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
        );
    }

    #[test]
    fn rejects_wrong_material_with_a_description() {
        let cases = [
            ("encrypted_key.pem", "encrypted"),
            ("ec_key.pem", "not RSA"),
            ("merchant_cert.pem", "certificate, not a private key"),
            ("merchant_pub.pem", "public key"),
        ];
        for (file, want) in cases {
            let err = PrivateKey::from_pem(&fixture(file)).unwrap_err();
            assert!(err.contains(want), "{file}: {err}");
            assert!(!err.contains("MII"), "{file}: key bytes leaked: {err}");
        }
        assert!(PrivateKey::from_pem("apiclient_key.pem")
            .unwrap_err()
            .contains("file://"));
        assert!(PrivateKey::from_pem("").unwrap_err().contains("empty"));
        assert!(PrivateKey::from_pem(
            "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----"
        )
        .unwrap_err()
        .contains("corrupt"));
        assert!(PublicKey::from_pem(&fixture("merchant_key.pem"))
            .unwrap_err()
            .contains("private key"));
    }

    #[test]
    fn der_reader_rejects_truncation() {
        let pem = decode_pem(&fixture("platform_cert.pem")).unwrap();
        for cut in [0, 1, 2, 10, 100, pem.der.len() / 2] {
            assert!(certificate_serial_and_spki(&pem.der[..cut]).is_none());
        }
    }
}
