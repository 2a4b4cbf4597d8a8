//! APIv3 request signing (`WECHATPAY2-SHA256-RSA2048`) and response verification.
//!
//! Everything here reads values a server sent: arithmetic on them is checked (clippy's
//! `arithmetic_side_effects` is denied in this module).
#![deny(clippy::arithmetic_side_effects)]

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SecureRandom;

use crate::error::{quote, Error, Result, VerifyFailure};
use crate::keys::{PrivateKey, PublicKey};

/// The `Authorization` scheme WeChat Pay APIv3 expects.
pub const AUTH_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// Largest allowed difference between a response's `Wechatpay-Timestamp` and now, in seconds.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// Where timestamps come from. Inject a fixed clock to test signing against fixed vectors.
pub trait Clock: Send + Sync {
    /// Unix time in seconds.
    fn now_unix(&self) -> i64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock that always says the same time (for tests and vectors).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0
    }
}

/// Where request nonces come from. Inject a fixed source to test against fixed vectors.
pub trait NonceSource: Send + Sync {
    /// A fresh nonce.
    fn nonce(&self) -> String;
}

/// 32 characters of `[0-9A-Za-z]` from the operating system's CSPRNG, without modulo bias.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomNonce;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl NonceSource for RandomNonce {
    fn nonce(&self) -> String {
        random_nonce()
    }
}

/// 32 characters of `[0-9A-Za-z]`, uniformly distributed (rejection sampling of random bytes).
pub fn random_nonce() -> String {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut out = String::with_capacity(32);
    let mut buf = [0u8; 48];
    while out.len() < 32 {
        // A CSPRNG failure is unrecoverable for the process's security; AWS-LC aborts rather than
        // returning weak bytes, so an error here can only mean the buffer was not filled.
        if rng.fill(&mut buf).is_err() {
            continue;
        }
        for &b in &buf {
            // 62 * 4 = 248: bytes 248..=255 would bias the first 8 characters; drop them.
            if b < 248 && out.len() < 32 {
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    out
}

/// A fixed nonce (for tests and vectors).
#[derive(Clone, Debug)]
pub struct FixedNonce(pub String);

impl NonceSource for FixedNonce {
    fn nonce(&self) -> String {
        self.0.clone()
    }
}

/// Bytes needed for `parts`, `body` and `extra` separators (saturating: only a hint).
fn capacity(parts: &[&str], body: &[u8], extra: usize) -> usize {
    parts.iter().fold(body.len().saturating_add(extra), |n, p| {
        n.saturating_add(p.len())
    })
}

/// The message a request signature covers: `METHOD\nCANONICAL_URL\nTIMESTAMP\nNONCE\nBODY\n`.
pub fn request_message(
    method: &str,
    canonical_url: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(capacity(&[method, canonical_url, nonce], body, 20));
    m.extend_from_slice(method.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(canonical_url.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(timestamp.to_string().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(nonce.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// The message a response signature covers: `TIMESTAMP\nNONCE\nBODY\n`.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(capacity(&[timestamp, nonce], body, 3));
    m.extend_from_slice(timestamp.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(nonce.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// The canonical URL of a URL as sent: its absolute path plus `?query` when there is one.
/// Nothing is re-encoded or case-folded.
pub fn canonical_url(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{}", url.path(), q),
        None => url.path().to_owned(),
    }
}

/// Signs requests on behalf of one merchant.
#[derive(Clone)]
pub struct Signer {
    mchid: String,
    serial: String,
    key: Arc<PrivateKey>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("mchid", &self.mchid)
            .field("serial", &self.serial)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Signer {
    /// A signer for merchant `mchid` whose API certificate has serial `serial`.
    pub fn new(mchid: impl Into<String>, serial: impl Into<String>, key: Arc<PrivateKey>) -> Self {
        Signer {
            mchid: mchid.into(),
            serial: serial.into(),
            key,
        }
    }

    /// The merchant id.
    pub fn mchid(&self) -> &str {
        &self.mchid
    }

    /// The merchant API certificate serial (`serial_no` of `Authorization`).
    pub fn serial_no(&self) -> &str {
        &self.serial
    }

    /// The merchant private key (it also decrypts fields WeChat Pay encrypts for the merchant).
    pub(crate) fn key(&self) -> &PrivateKey {
        &self.key
    }

    pub(crate) fn key_arc(&self) -> Arc<PrivateKey> {
        self.key.clone()
    }

    /// The full `Authorization` header value for a request.
    pub fn authorization(
        &self,
        method: &str,
        canonical_url: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> Result<String> {
        let message = request_message(method, canonical_url, timestamp, nonce, body);
        let signature = self.key.sign_base64(&message)?;
        Ok(format!(
            "{AUTH_SCHEME} mchid=\"{}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{}\",signature=\"{signature}\"",
            self.mchid, self.serial
        ))
    }
}

/// The four signature headers of a response, as received.
#[derive(Clone, Copy, Debug, Default)]
pub struct SignatureHeaders<'a> {
    /// `Wechatpay-Timestamp`
    pub timestamp: Option<&'a str>,
    /// `Wechatpay-Nonce`
    pub nonce: Option<&'a str>,
    /// `Wechatpay-Signature`
    pub signature: Option<&'a str>,
    /// `Wechatpay-Serial`
    pub serial: Option<&'a str>,
}

impl<'a> SignatureHeaders<'a> {
    /// Read the four headers from an HTTP header map. Each must appear at most once and be
    /// visible ASCII: a repeated signature header leaves it ambiguous which value was meant, so
    /// it is refused (`MALFORMED_HEADERS`) rather than resolved by picking one.
    pub fn from_header_map(headers: &'a http::HeaderMap) -> Result<Self> {
        let mut pairs: Vec<(&'a str, &'a str)> = Vec::new();
        for name in SIGNATURE_HEADERS {
            for value in headers.get_all(name) {
                let value = value.to_str().map_err(|_| {
                    Error::verify(
                        VerifyFailure::MalformedHeaders,
                        format!("`{name}` is not visible ASCII"),
                    )
                })?;
                pairs.push((name, value));
            }
        }
        // One rule for a header given twice, answers and notifications alike.
        Self::from_pairs(pairs.iter().map(|(k, v)| (*k, *v)))
    }
}

/// The four signature headers, in the order of [`SignatureHeaders`]' fields.
const SIGNATURE_HEADERS: [&str; 4] = [
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
];

impl<'a> SignatureHeaders<'a> {
    /// Read the four headers from received `(name, value)` pairs, names in any case (a web
    /// framework's header list or map). As with [`from_header_map`](Self::from_header_map), a
    /// signature header given twice is refused (`MALFORMED_HEADERS`), never resolved by picking
    /// one.
    pub fn from_pairs<I, N, V>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (&'a N, &'a V)>,
        N: AsRef<str> + ?Sized + 'a,
        V: AsRef<str> + ?Sized + 'a,
    {
        let mut found: [Option<&'a str>; 4] = [None; 4];
        for (name, value) in pairs {
            let name = name.as_ref().trim();
            let Some(i) = SIGNATURE_HEADERS
                .iter()
                .position(|n| n.eq_ignore_ascii_case(name))
            else {
                continue;
            };
            if found[i].is_some() {
                return Err(Error::verify(
                    VerifyFailure::MalformedHeaders,
                    format!("`{}` is given more than once; a signed message has exactly one, so it is refused", SIGNATURE_HEADERS[i]),
                ));
            }
            found[i] = Some(value.as_ref().trim());
        }
        let [timestamp, nonce, signature, serial] = found;
        Ok(SignatureHeaders {
            timestamp,
            nonce,
            signature,
            serial,
        })
    }
}

/// Parse a `Wechatpay-Timestamp`: Unix seconds as 1–12 ASCII digits (no sign, no spaces inside),
/// so that no value a server sends can overflow the arithmetic that follows.
pub fn parse_timestamp(ts: &str) -> Result<i64> {
    let digits = ts.trim();
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::verify(
            VerifyFailure::MalformedHeaders,
            format!(
                "Wechatpay-Timestamp `{}` is not a Unix time in seconds (1–12 digits)",
                quote(ts)
            ),
        ));
    }
    digits.parse().map_err(|_| {
        Error::verify(
            VerifyFailure::MalformedHeaders,
            format!("Wechatpay-Timestamp `{}` is not a number", quote(ts)),
        )
    })
}

/// Check `ts` against `now`: within ±[`MAX_CLOCK_SKEW_SECS`], with checked arithmetic (an
/// injected clock may say anything).
pub fn check_skew(ts: i64, now: i64) -> Result<()> {
    match now.checked_sub(ts) {
        Some(d) if d.unsigned_abs() <= MAX_CLOCK_SKEW_SECS.unsigned_abs() => Ok(()),
        d => Err(Error::verify(
            VerifyFailure::TimestampSkew,
            format!(
                "Wechatpay-Timestamp {ts} is {} away from local time {now} (limit {MAX_CLOCK_SKEW_SECS}s): a replayed answer, or this machine's clock is wrong (check NTP)",
                d.map_or_else(|| "out of range".to_owned(), |d| format!("{d}s"))
            ),
        )),
    }
}

/// Where a verification key came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// The configuration's `certs`.
    Configured,
    /// Downloaded from WeChat Pay (`auto_certificates`).
    Downloaded,
}

impl KeySource {
    /// `"configured"` or `"downloaded"`.
    pub fn name(self) -> &'static str {
        match self {
            KeySource::Configured => "configured",
            KeySource::Downloaded => "downloaded",
        }
    }
}

/// A verification key and where it came from.
#[derive(Debug)]
pub struct StoredKey {
    /// The key (a platform certificate's or a WeChat Pay public key).
    pub key: PublicKey,
    /// Configured or downloaded.
    pub source: KeySource,
}

/// The keys by id (certificate serial, upper-case hex, or `PUB_KEY_ID_…`).
pub type KeySet = HashMap<String, Arc<StoredKey>>;

/// Verifies WeChat Pay's signatures with keys picked by `Wechatpay-Serial`. The key set can be
/// replaced while calls verify (downloaded platform certificates): each verification reads one
/// consistent snapshot.
#[derive(Debug, Default)]
pub struct Verifier {
    keys: std::sync::RwLock<Arc<KeySet>>,
}

impl Verifier {
    /// A verifier over `keys`: platform certificate serial (upper-case hex) or `PUB_KEY_ID_…` → key.
    pub fn new(keys: HashMap<String, PublicKey>) -> Self {
        let set = keys
            .into_iter()
            .map(|(id, key)| {
                let stored = StoredKey {
                    key,
                    source: KeySource::Configured,
                };
                (id, Arc::new(stored))
            })
            .collect();
        Verifier {
            keys: std::sync::RwLock::new(Arc::new(set)),
        }
    }

    /// The keys held now.
    pub fn snapshot(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replace the downloaded keys with `downloaded` plus those downloaded before that are still
    /// valid at `now` (a certificate no longer listed may still sign answers in flight);
    /// expired ones are dropped, configured keys are kept and win on an id both have.
    pub fn install_downloaded(&self, downloaded: Vec<(String, PublicKey)>, now: i64) {
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        let mut set: KeySet = keys
            .iter()
            .filter(|(_, k)| {
                k.source == KeySource::Configured || k.key.not_after().is_none_or(|t| t >= now)
            })
            .map(|(id, k)| (id.clone(), k.clone()))
            .collect();
        for (id, key) in downloaded {
            if key.not_after().is_some_and(|t| t < now) {
                continue;
            }
            if set
                .get(&id)
                .is_some_and(|k| k.source == KeySource::Configured)
            {
                continue;
            }
            let stored = StoredKey {
                key,
                source: KeySource::Downloaded,
            };
            set.insert(id, Arc::new(stored));
        }
        *keys = Arc::new(set);
    }

    /// The ids of the keys held (serials and `PUB_KEY_ID_…`), sorted.
    pub fn serials(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.snapshot().keys().cloned().collect();
        ids.sort_unstable();
        ids
    }

    /// Verify a response: all four headers present, timestamp within ±300 s of `now`, a known
    /// serial, and a valid signature over `TIMESTAMP\nNONCE\nBODY\n`.
    pub fn verify(&self, headers: SignatureHeaders<'_>, body: &[u8], now: i64) -> Result<()> {
        self.check(Signed::Answer, headers, body, now)
    }

    /// Verify a notification (callback) exactly as a response: same headers, window, keys and
    /// message, over the raw body bytes as received.
    pub fn verify_notification(
        &self,
        headers: SignatureHeaders<'_>,
        body: &[u8],
        now: i64,
    ) -> Result<()> {
        self.check(Signed::Notification, headers, body, now)
    }

    fn check(
        &self,
        what: Signed,
        headers: SignatureHeaders<'_>,
        body: &[u8],
        now: i64,
    ) -> Result<()> {
        let (Some(ts), Some(nonce), Some(sig), Some(serial)) = (
            headers.timestamp,
            headers.nonce,
            headers.signature,
            headers.serial,
        ) else {
            let missing: Vec<&str> = [
                ("Wechatpay-Timestamp", headers.timestamp),
                ("Wechatpay-Nonce", headers.nonce),
                ("Wechatpay-Signature", headers.signature),
                ("Wechatpay-Serial", headers.serial),
            ]
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
            return Err(Error::verify(
                VerifyFailure::MissingHeaders,
                match what {
                    Signed::Answer => format!(
                        "2xx response is missing {}: an unsigned success answer is treated as forged",
                        missing.join(", ")
                    ),
                    Signed::Notification => format!(
                        "the notification is missing {}: an unsigned notification is treated as forged (pass every received header; a CDN or proxy in front of the endpoint may strip Wechatpay-* headers)",
                        missing.join(", ")
                    ),
                },
            ));
        };
        if sig.starts_with(SIGNTEST_PREFIX) {
            return Err(Error::verify(
                VerifyFailure::Signtest,
                format!(
                    "{} carries a {SIGNTEST_PREFIX} probe signature: WeChat Pay checks now and then that signatures are verified; do not process it{}",
                    what.noun(),
                    match what {
                        Signed::Answer => "",
                        Signed::Notification => " (answer with the failure answer; WeChat Pay sends it again correctly signed)",
                    }
                ),
            ));
        }
        let ts_num = parse_timestamp(ts)?;
        check_skew(ts_num, now)?;
        let keys = self.snapshot();
        let key = &keys.get(serial).ok_or_else(|| {
            let known = self.serials();
            Error::verify(
                VerifyFailure::UnknownSerial,
                format!(
                    "Wechatpay-Serial `{}` names no configured key (configured: {}); add that platform certificate or public key to `certs`",
                    quote(serial),
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ),
            )
        })?
        .key;
        if let Some(not_after) = key.not_after() {
            if now > not_after {
                return Err(Error::verify(
                    VerifyFailure::CertificateExpired,
                    format!(
                        "{} is signed with platform certificate `{serial}`, which expired on {}; WeChat Pay never signs with an expired certificate. Download the current platform certificates (or use the WeChat Pay public key)",
                        what.noun(),
                        crate::keys::utc_date(not_after)
                    ),
                ));
            }
        }
        let message = response_message(ts, nonce, body);
        if !key.verify_base64(&message, sig) {
            return Err(Error::verify(
                VerifyFailure::BadSignature,
                format!(
                    "{} signature verification failed with key `{serial}`: the signature does not match {}; verified message `{}`, signature `{}`",
                    what.adjective(),
                    match what {
                        Signed::Answer => "the response",
                        Signed::Notification => "the body as received (verify the raw bytes, never re-serialised JSON)",
                    },
                    message_shown(&[ts, nonce], body),
                    signature_shown(sig),
                ),
            ));
        }
        Ok(())
    }

    /// The key a sensitive field is encrypted with, and its id: the first `PUB_KEY_ID_…` key
    /// (the one requests name in `Wechatpay-Serial` by default), else the newest platform
    /// certificate valid at `now` (WeChat Pay accepts a new certificate for encryption at once).
    pub fn encryption_key(&self, now: i64) -> Option<(String, Arc<StoredKey>)> {
        let keys = self.snapshot();
        let mut ids: Vec<&String> = keys.keys().collect();
        ids.sort_unstable();
        if let Some(id) = ids.iter().find(|id| id.starts_with("PUB_KEY_ID_")) {
            return keys.get(*id).map(|k| ((*id).clone(), k.clone()));
        }
        ids.iter()
            .filter_map(|id| keys.get(*id).map(|k| (*id, k)))
            .filter(|(_, k)| k.key.not_after().is_none_or(|t| t >= now))
            .max_by_key(|(_, k)| k.key.not_before())
            .map(|(id, k)| (id.clone(), k.clone()))
    }

    /// The key with id `id` (serial or `PUB_KEY_ID_…`).
    pub fn key(&self, id: &str) -> Option<Arc<StoredKey>> {
        self.snapshot().get(id).cloned()
    }
}

/// A message as a log line may show it for debugging a signature: its lines up to the body, then
/// the body's length and SHA-256 (the body itself can hold personal data), never a key; line
/// ends written `\n` so that it stays on one line.
pub fn message_shown(head: &[&str], body: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
    let mut hex = String::with_capacity(64);
    for b in digest.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    let mut out = String::new();
    for line in head {
        let _ = write!(out, "{}\\n", quote(line));
    }
    let _ = write!(out, "<body: {} bytes, SHA-256 {hex}>\\n", body.len());
    out
}

/// The start of a signature, as messages show it (never the whole).
pub(crate) fn signature_shown(sig: &str) -> String {
    let head: String = sig.chars().take(12).collect();
    format!("{head}… ({} characters)", sig.chars().count())
}

/// The prefix of WeChat Pay's probe signatures.
pub const SIGNTEST_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// What a signature is on, for messages.
#[derive(Clone, Copy)]
enum Signed {
    Answer,
    Notification,
}

impl Signed {
    fn noun(self) -> &'static str {
        match self {
            Signed::Answer => "the answer",
            Signed::Notification => "the notification",
        }
    }

    fn adjective(self) -> &'static str {
        match self {
            Signed::Answer => "response",
            Signed::Notification => "notification",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_is_32_alphanumerics_and_varies() {
        let a = random_nonce();
        let b = random_nonce();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn nonce_alphabet_is_used_uniformly() {
        // 62 symbols over 62,000 draws: each should appear ≈1000 times. A modulo-biased sampler
        // over-represents the first 8 symbols by ≈3%; this checks every count stays within a
        // generous ±20% (a real test of "all 62 are used", not a statistical bias proof).
        let mut counts = [0u32; 128];
        for _ in 0..(62_000 / 32 + 1) {
            for c in random_nonce().bytes() {
                counts[c as usize] += 1;
            }
        }
        for &c in ALPHABET.iter() {
            let n = counts[c as usize];
            assert!(
                (800..1200).contains(&n),
                "symbol {} drawn {n} times",
                c as char
            );
        }
    }

    #[test]
    fn messages_have_five_and_three_lines() {
        assert_eq!(
            request_message("POST", "/hk/v3/x", 1, "N", b""),
            b"POST\n/hk/v3/x\n1\nN\n\n".to_vec()
        );
        assert_eq!(response_message("1", "N", b""), b"1\nN\n\n".to_vec());
    }
}
