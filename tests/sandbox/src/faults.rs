//! Faults: what a test queues (`POST /_sandbox/faults`), which request takes it, and the signature
//! faults applied when signing an answer.

use base64::Engine;
use bytes::Bytes;
use http::Response;

use crate::*;

#[derive(Clone, Debug)]
pub(crate) struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) path: Option<String>,
    pub(crate) remaining: u64,
    pub(crate) delay_ms: u64,
    pub(crate) status: u16,
}

/// Every fault a test can queue, by its name in `POST /_sandbox/faults` (tests/sandbox/README.md).
macro_rules! fault_kinds {
    ($($variant:ident => $name:literal,)*) => {
        /// What a queued fault does to the request that takes it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum FaultKind {
            $($variant,)*
        }

        impl FaultKind {
            pub(crate) const ALL: &[FaultKind] = &[$(FaultKind::$variant,)*];

            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(FaultKind::$variant => $name,)*
                }
            }

            pub(crate) fn parse(name: &str) -> Option<FaultKind> {
                FaultKind::ALL.iter().copied().find(|k| k.name() == name)
            }
        }
    };
}

fault_kinds! {
    Status200 => "status_200",
    RepeatedHeader => "repeated_header",
    HostileText => "hostile_text",
    TimestampI64Min => "timestamp_i64_min",
    DuplicateSignature => "duplicate_signature",
    Delay => "delay",
    Drop => "drop",
    ResetMidBody => "reset_mid_body",
    Status => "status",
    NotJson => "not_json",
    BadSignature => "bad_signature",
    NoSignature => "no_signature",
    StaleTimestamp => "stale_timestamp",
    FutureTimestamp => "future_timestamp",
    UnknownSerial => "unknown_serial",
    Signtest => "signtest",
    Oversized => "oversized",
    WrongDigest => "wrong_digest",
    TruncatedBody => "truncated_body",
    SlowBody => "slow_body",
    None => "none",
}

impl State {
    pub(crate) fn take_fault(&self, target: &str) -> Option<Fault> {
        let mut m = self.m.lock().ok()?;
        let idx = m
            .faults
            .iter()
            .position(|f| f.path.as_deref().is_none_or(|p| target.contains(p)))?;
        let f = m.faults[idx].clone();
        if f.remaining <= 1 {
            m.faults.remove(idx);
        } else {
            m.faults[idx].remaining -= 1;
        }
        Some(f)
    }

    /// The nonce and signature of an answer at `ts`. In benchmark mode (and without a fault) an
    /// identical answer signed within the same second reuses them: still a valid signature.
    pub(crate) fn nonce_and_signature(
        &self,
        ts: &str,
        answer: &Answer,
        fault: Option<FaultKind>,
        by: Option<&crate::certs::Signing>,
    ) -> (String, String) {
        let sign = || {
            let nonce = random_hex(16);
            let message = wxpay::sign::response_message(ts, &nonce, &answer.body);
            let key = by.map_or(&*self.platform_key, |s| &*s.key);
            let signature = key.sign_base64(&message).unwrap_or_default();
            (nonce, signature)
        };
        if !self.bench || fault.is_some() || by.is_some() {
            return sign();
        }
        let mut cache = self.signatures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((t, status, body, nonce, sig)) = cache.as_ref() {
            if t == ts && *status == answer.status && *body == answer.body {
                return (nonce.clone(), sig.clone());
            }
        }
        let (nonce, signature) = sign();
        *cache = Some((
            ts.to_owned(),
            answer.status,
            answer.body.clone(),
            nonce.clone(),
            signature.clone(),
        ));
        (nonce, signature)
    }

    /// Sign a 2xx answer, applying a signature fault if one is requested.
    pub(crate) fn signed(&self, answer: Answer, fault: Option<FaultKind>) -> Response<Body> {
        self.signed_by(answer, fault, None)
    }

    /// [`signed`](Self::signed) with the key `by` chooses (`None`: the public key).
    pub(crate) fn signed_by(
        &self,
        answer: Answer,
        fault: Option<FaultKind>,
        by: Option<&crate::certs::Signing>,
    ) -> Response<Body> {
        let ts = match fault {
            Some(FaultKind::StaleTimestamp) => now() - 400,
            Some(FaultKind::FutureTimestamp) => now() + 400,
            // The smallest i64: `now - ts` overflows in a client that does not check.
            Some(FaultKind::TimestampI64Min) => i64::MIN,
            _ => now(),
        }
        .to_string();
        let (nonce, mut signature) = self.nonce_and_signature(&ts, &answer, fault, by);
        match fault {
            Some(FaultKind::BadSignature) => {
                let mut raw = base64::engine::general_purpose::STANDARD
                    .decode(&signature)
                    .unwrap_or_default();
                if let Some(b) = raw.first_mut() {
                    *b ^= 0x01;
                }
                signature = base64::engine::general_purpose::STANDARD.encode(raw);
            }
            Some(FaultKind::Signtest) => signature = format!("WECHATPAY/SIGNTEST/{signature}"),
            _ => {}
        }
        let serial = if fault == Some(FaultKind::UnknownSerial) {
            "PUB_KEY_ID_0000000000000000000000000000UNKNOWN"
        } else {
            by.map_or(&self.platform_serial, |s| &s.serial)
        };
        let mut b = Response::builder()
            .status(answer.status)
            .header("Request-ID", request_id())
            .header("Server", "wxpay-sandbox");
        if fault == Some(FaultKind::RepeatedHeader) {
            // A valid answer with one header sent twice: every language must show it alike.
            b = b
                .header("X-Sandbox-Repeated", "one")
                .header("X-Sandbox-Repeated", "two");
        }
        if fault != Some(FaultKind::NoSignature) {
            b = b
                .header("Wechatpay-Timestamp", ts)
                .header("Wechatpay-Nonce", nonce)
                .header("Wechatpay-Signature", signature);
            if fault == Some(FaultKind::DuplicateSignature) {
                // A second, different signature after the valid one: which one counts is
                // ambiguous, so a client must refuse the answer rather than pick one.
                b = b.header("Wechatpay-Signature", "c2Vjb25kIHNpZ25hdHVyZQ==");
            }
            b = b
                .header("Wechatpay-Serial", serial)
                .header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048");
        }
        if !answer.body.is_empty() {
            b = b.header("Content-Type", "application/json");
        }
        b.body(full(answer.body))
            .unwrap_or_else(|_| Response::new(full(Bytes::new())))
    }
}
