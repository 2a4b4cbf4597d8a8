//! Key material: PEM decoding, the merchant private key and the platform public keys.
//!
//! Error messages here describe the *kind* of material found (a certificate, an EC key, an
//! encrypted key…) and never include any of its bytes. Files are read with a size bound and
//! only when they are regular files; the DER walker's arithmetic is checked (clippy's
//! `arithmetic_side_effects` is denied in this module).
#![deny(clippy::arithmetic_side_effects)]

use std::fmt;
use std::path::{Path, PathBuf};

use aws_lc_rs::rsa::{
    KeyPair, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey,
    PublicEncryptingKey, OAEP_SHA1_MGF1SHA1,
};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use base64::Engine;
use zeroize::Zeroizing;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Largest key or certificate file read for `private_key` and `certs`, in bytes: a PEM key or
/// certificate is a few KiB.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;
/// Largest file read for `ca_certs` (a bundle of roots) and for a configuration file, in bytes.
pub const MAX_BUNDLE_FILE_BYTES: u64 = 1024 * 1024;

/// Read a configuration value that is either inline text or a `file://` path.
///
/// A relative `file://` path is resolved against `base_dir` (the folder of the configuration
/// file) when one is given, else against the current directory. The text is returned in a
/// buffer that is zeroed when dropped. Files are read only when they are regular files of at
/// most `max_bytes` (key and certificate files: [`MAX_KEY_FILE_BYTES`]; `ca_certs`:
/// [`MAX_BUNDLE_FILE_BYTES`]); inline text has the same bound.
pub fn read_text_or_file(
    field: &str,
    value: &str,
    base_dir: Option<&Path>,
    max_bytes: u64,
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
            let bytes = read_bounded("file", &p, max_bytes)
                .map_err(|why| format!("config field `{field}`: {why}"))?;
            String::from_utf8(bytes.to_vec()).map(Zeroizing::new).map_err(|_| {
                format!(
                    "config field `{field}`: file `{}` is not text; PEM files are ASCII (convert DER with `openssl pkey -inform DER`)",
                    p.display()
                )
            })
        }
        None if value.len() as u64 > max_bytes => Err(format!(
            "config field `{field}` is {} bytes long; at most {max_bytes} bytes are accepted (one PEM key or certificate is a few KiB)",
            value.len()
        )),
        None => Ok(Zeroizing::new(value.to_owned())),
    }
}

/// Read a whole file of at most `max_bytes`, refusing anything but a regular file first (a FIFO
/// would block forever, `/dev/zero` would never end). The bytes are zeroed when dropped.
/// `what` names the file in messages ("file", "configuration file").
pub fn read_bounded(what: &str, path: &Path, max_bytes: u64) -> Result<Zeroizing<Vec<u8>>, String> {
    use std::io::Read;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {what} `{shown}`: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "{what} `{shown}` is not a regular file (a directory, device, FIFO or socket); give the path of a file"
        ));
    }
    if meta.len() > max_bytes {
        return Err(format!(
            "{what} `{shown}` is {} bytes; at most {max_bytes} bytes are accepted",
            meta.len()
        ));
    }
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {what} `{shown}`: {e}"))?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0)));
    // The file may have grown since `metadata`: never read more than the bound.
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {what} `{shown}`: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "{what} `{shown}` is over {max_bytes} bytes; at most {max_bytes} bytes are accepted"
        ));
    }
    Ok(bytes)
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
    let rest = &text[start.saturating_add("-----BEGIN ".len())..];
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
    let body_and_end = &rest[label_end.saturating_add("-----".len())..];
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
    /// The same key for RSA-OAEP decryption (fields WeChat Pay encrypts for the merchant).
    oaep: OaepPrivateDecryptingKey,
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
        // The decrypting key is made from the PKCS#8 form of the parsed key (a PKCS#1 file
        // has none of its own); AWS-LC zeroes that buffer when it is dropped.
        let oaep = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&parsed)
            .ok()
            .and_then(|der| PrivateDecryptingKey::from_pkcs8(der.as_ref()).ok())
            .and_then(|k| OaepPrivateDecryptingKey::new(k).ok())
            .ok_or("is an RSA key that AWS-LC cannot use for OAEP decryption")?;
        Ok(PrivateKey { key: parsed, oaep })
    }

    /// Decrypt a base64 RSAES-OAEP (SHA-1, MGF1-SHA-1) ciphertext made with this key's public
    /// half: the fields WeChat Pay encrypts for the merchant. `None` when it does not decrypt
    /// (not base64, wrong length, another key); the plaintext is zeroed when dropped.
    pub fn oaep_decrypt_base64(&self, ciphertext_b64: &str) -> Option<Zeroizing<Vec<u8>>> {
        let ct = B64.decode(ciphertext_b64.trim().as_bytes()).ok()?;
        let mut out = Zeroizing::new(vec![0u8; self.oaep.min_output_size()]);
        let n = self
            .oaep
            .decrypt(&OAEP_SHA1_MGF1SHA1, &ct, &mut out, None)
            .ok()?
            .len();
        out.truncate(n);
        Some(out)
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
pub struct PublicKey {
    key: ParsedPublicKey,
    /// The same key for RSA-OAEP encryption (sensitive request fields).
    oaep: OaepPublicEncryptingKey,
    /// For a certificate: its serial number, upper-case hex without leading zero bytes.
    cert_serial: Option<String>,
    /// For a certificate: its validity window (Unix seconds).
    validity: Option<(i64, i64)>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("cert_serial", &self.cert_serial)
            .field("validity", &self.validity)
            .finish_non_exhaustive()
    }
}

/// Smallest RSA modulus accepted for WeChat Pay's keys, in bits.
pub const MIN_RSA_BITS: usize = 2048;

impl PublicKey {
    /// Parse `BEGIN PUBLIC KEY` (SPKI), `BEGIN RSA PUBLIC KEY` (PKCS#1) or `BEGIN CERTIFICATE`.
    pub fn from_pem(text: &str) -> Result<PublicKey, String> {
        let pem = decode_pem(text)?;
        let (spki, cert): (Vec<u8>, Option<Certificate>) = match pem.label.as_str() {
            "PUBLIC KEY" | "RSA PUBLIC KEY" => (pem.der.to_vec(), None),
            "CERTIFICATE" => {
                let cert = parse_certificate(&pem.der)
                    .ok_or("is a certificate that cannot be parsed as X.509")?;
                (cert.spki.to_vec(), Some(cert.owned()))
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
        // aws-lc-rs checks the size only when verifying; a short key would then fail every
        // answer as a bad signature. Refuse it here, where the configuration can be named.
        match rsa_modulus_bits(&spki) {
            Some(bits) if bits >= MIN_RSA_BITS => {}
            Some(bits) => {
                return Err(format!(
                    "is an RSA key of {bits} bits; WeChat Pay's platform keys are RSA {MIN_RSA_BITS} or more"
                ))
            }
            None => return Err(format!("is not an RSA public key of {MIN_RSA_BITS} bits or more")),
        }
        let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki).map_err(|e| {
            format!(
                "is not an RSA public key of 2048 bits or more ({})",
                e.description_()
            )
        })?;
        let oaep = PublicEncryptingKey::from_der(&spki)
            .ok()
            .and_then(|k| OaepPublicEncryptingKey::new(k).ok())
            .ok_or("is an RSA public key that AWS-LC cannot use for OAEP encryption")?;
        Ok(PublicKey {
            key,
            oaep,
            validity: cert.as_ref().and_then(|c| c.validity),
            cert_serial: cert.map(|c| c.serial),
        })
    }

    /// For a certificate: when it stops being valid (Unix seconds).
    pub fn not_after(&self) -> Option<i64> {
        self.validity.map(|(_, after)| after)
    }

    /// For a certificate: when it starts being valid (Unix seconds).
    pub fn not_before(&self) -> Option<i64> {
        self.validity.map(|(before, _)| before)
    }

    /// Verify a base64 RSASSA-PKCS1-v1_5/SHA-256 signature over `message`.
    pub fn verify_base64(&self, message: &[u8], signature_b64: &str) -> bool {
        match B64.decode(signature_b64.as_bytes()) {
            Ok(sig) => self.key.verify_sig(message, &sig).is_ok(),
            Err(_) => false,
        }
    }

    /// The longest plaintext [`oaep_encrypt_base64`](Self::oaep_encrypt_base64) takes, in
    /// bytes: 214 for RSA 2048.
    pub fn oaep_max_plaintext(&self) -> usize {
        self.oaep.max_plaintext_size(&OAEP_SHA1_MGF1SHA1)
    }

    /// RSAES-OAEP (SHA-1, MGF1-SHA-1, empty label) of `plaintext`, as standard base64: how
    /// WeChat Pay wants sensitive request fields. `None` for a plaintext over
    /// [`oaep_max_plaintext`](Self::oaep_max_plaintext) (never a truncated ciphertext).
    pub fn oaep_encrypt_base64(&self, plaintext: &[u8]) -> Option<String> {
        if plaintext.len() > self.oaep_max_plaintext() {
            return None;
        }
        let mut out = vec![0u8; self.oaep.ciphertext_size()];
        let ct = self
            .oaep
            .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut out, None)
            .ok()?;
        Some(B64.encode(ct))
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
    let first = usize::from(*input.get(1)?);
    let (len, header) = if first < 0x80 {
        (first, 2usize)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = len
                .checked_mul(256)?
                .checked_add(usize::from(*input.get(i.checked_add(2)?)?))?;
        }
        (len, n.checked_add(2)?)
    };
    let end = header.checked_add(len)?;
    Some((
        tag,
        input.get(header..end)?,
        input.get(..end)?,
        input.get(end..)?,
    ))
}

/// What wxpay reads of an X.509 certificate.
struct CertificateRef<'a> {
    serial: String,
    validity: Option<(i64, i64)>,
    spki: &'a [u8],
}

/// The owned part of [`CertificateRef`].
struct Certificate {
    serial: String,
    validity: Option<(i64, i64)>,
}

impl CertificateRef<'_> {
    fn owned(&self) -> Certificate {
        Certificate {
            serial: self.serial.clone(),
            validity: self.validity,
        }
    }
}

/// From an X.509 certificate: its serial (upper-case hex), validity and SubjectPublicKeyInfo.
fn parse_certificate(der: &[u8]) -> Option<CertificateRef<'_>> {
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
    let mut validity = None;
    for i in 0..4 {
        let (tag, content, _, r) = der_next(rest)?;
        if tag != 0x30 {
            return None;
        }
        if i == 2 {
            let (t1, before, _, after_rest) = der_next(content)?;
            let (t2, after, _, _) = der_next(after_rest)?;
            validity = Some((der_time(t1, before)?, der_time(t2, after)?));
        }
        rest = r;
    }
    let (tag, _, spki, _) = der_next(rest)?;
    if tag != 0x30 {
        return None;
    }
    Some(CertificateRef {
        serial,
        validity,
        spki,
    })
}

/// An X.509 time (UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`) in Unix seconds.
// The arithmetic below is on at most four decimal digits at a time, checked to be digits and
// in range first: it cannot overflow.
#[allow(clippy::arithmetic_side_effects)]
fn der_time(tag: u8, text: &[u8]) -> Option<i64> {
    let digits = text.strip_suffix(b"Z")?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        digits.get(range)?.iter().try_fold(0i64, |n, d| {
            n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })
    };
    let (year, rest) = match (tag, digits.len()) {
        // RFC 5280: UTCTime years 50–99 are 19xx, 00–49 are 20xx.
        (0x17, 12) => {
            let yy = num(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (0x18, 14) => (num(0..4)?, 4),
        _ => return None,
    };
    let field = |i: usize| num(rest + 2 * i..rest + 2 * i + 2);
    let (month, day, hour, minute, second) =
        (field(0)?, field(1)?, field(2)?, field(3)?, field(4)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm); `year` is
/// at most four digits here, so nothing overflows.
#[allow(clippy::arithmetic_side_effects)]
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC` (for messages).
// After the saturating steps every intermediate is a small multiple of a day count or a
// remainder: no overflow for any input.
#[allow(clippy::arithmetic_side_effects)]
pub fn utc_date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // The inverse of `days_from_civil`.
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe
        .saturating_add(era.saturating_mul(400))
        .saturating_add(i64::from(month <= 2));
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The modulus size in bits of an RSA public key given as SubjectPublicKeyInfo or as PKCS#1
/// `RSAPublicKey` DER; `None` when it is neither.
fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    let (tag, seq, _, _) = der_next(der)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, first, _, rest) = der_next(seq)?;
    let modulus = match tag {
        // PKCS#1: SEQUENCE { INTEGER n, INTEGER e }
        0x02 => first,
        // SPKI: SEQUENCE { AlgorithmIdentifier, BIT STRING { 0 unused bits, RSAPublicKey } }
        0x30 => {
            let (tag, bits, _, _) = der_next(rest)?;
            if tag != 0x03 {
                return None;
            }
            let (&unused, inner) = bits.split_first()?;
            if unused != 0 {
                return None;
            }
            let (tag, rsa, _, _) = der_next(inner)?;
            if tag != 0x30 {
                return None;
            }
            let (tag, n, _, _) = der_next(rsa)?;
            if tag != 0x02 {
                return None;
            }
            n
        }
        _ => return None,
    };
    let significant = match modulus.iter().position(|&b| b != 0) {
        Some(i) => modulus.get(i..)?,
        None => return None,
    };
    let lead = significant.first()?;
    significant
        .len()
        .checked_sub(1)?
        .checked_mul(8)?
        .checked_add(8usize.checked_sub(lead.leading_zeros() as usize)?)
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
    fn certificate_validity_and_key_size_are_read() {
        let k = PublicKey::from_pem(&fixture("platform_cert.pem")).unwrap();
        let (before, after) = (k.not_before().unwrap(), k.not_after().unwrap());
        assert!(before < after, "{before} {after}");
        // UTCTime and GeneralizedTime, both sides of 2050, and the date formatter round-trip.
        assert_eq!(der_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(der_time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(der_time(0x18, b"20500101000000Z"), Some(2_524_608_000));
        assert_eq!(utc_date(2_524_608_000), "2050-01-01 00:00:00 UTC");
        assert_eq!(utc_date(1_709_251_199), "2024-02-29 23:59:59 UTC");
        for bad in [
            &b"7001010000Z"[..],
            b"700101000000",
            b"701301000000Z",
            b"70010100000aZ",
        ] {
            assert_eq!(der_time(0x17, bad), None, "{bad:?}");
        }
        let pub_pem = decode_pem(&fixture("platform_pub.pem")).unwrap();
        assert_eq!(rsa_modulus_bits(&pub_pem.der), Some(2048));
        let short = PublicKey::from_pem(&fixture("platform_cert_1024.pem")).unwrap_err();
        assert!(short.contains("1024 bits"), "{short}");
    }

    #[test]
    fn files_are_read_only_when_regular_and_small() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        for (path, want) in [
            ("/dev/zero", "not a regular file"),
            ("/dev/null", "not a regular file"),
            ("/", "not a regular file"),
            ("/nonexistent/wxpay.pem", "cannot read"),
        ] {
            let e = read_text_or_file("private_key", &format!("file://{path}"), None, 1024)
                .unwrap_err();
            assert!(e.contains(want) && e.contains("private_key"), "{path}: {e}");
        }
        let e =
            read_text_or_file("certs.X", "file://platform_cert.pem", Some(&dir), 100).unwrap_err();
        assert!(e.contains("at most 100 bytes"), "{e}");
        let e = read_text_or_file("private_key", &"A".repeat(101), None, 100).unwrap_err();
        assert!(e.contains("101 bytes") && !e.contains("AAAA"), "{e}");
        assert!(read_text_or_file(
            "certs.X",
            "file://platform_cert.pem",
            Some(&dir),
            MAX_KEY_FILE_BYTES
        )
        .is_ok());
    }

    #[test]
    fn der_reader_rejects_truncation() {
        let pem = decode_pem(&fixture("platform_cert.pem")).unwrap();
        for cut in [0, 1, 2, 10, 100, pem.der.len() / 2] {
            assert!(parse_certificate(&pem.der[..cut]).is_none());
        }
    }
}
