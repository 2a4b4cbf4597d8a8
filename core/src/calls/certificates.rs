//! Platform certificates: download, check, and keep current (`auto_certificates`).
//!
//! The download's answer is signed with a platform key the client may not have yet (the
//! "chicken and egg"): as in every official SDK, the AES-256-GCM tag under the APIv3 key is the
//! trust anchor. Each `encrypt_certificate` is decrypted and checked (its serial is `serial_no`,
//! an RSA key of 2048 bits or more, within its validity), and only then is the answer's
//! signature verified, with the downloaded set (or a configured key, during a migration).
//!
//! With `auto_certificates`, the client downloads on first use, again when the set is older
//! than `certificate_refresh` (default one day; a failure then is recorded, not raised, while
//! the current keys still verify), and at once when an answer names an unknown serial —
//! single-flight (64 concurrent calls make one download) and, for unknown serials, at most
//! once a minute, so a forged serial cannot make the client hammer WeChat Pay. Configured keys (`PUB_KEY_ID_…`) stay next
//! to the downloaded certificates, so a merchant migrating between the two verifies both.
//! Timestamps live with the credentials (copied into a forked child, which then refreshes on
//! its own schedule); the download lock is per process.

use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::{json, Value};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::sign::{SignatureHeaders, Verifier};

use crate::protocol::platform_keys::keys_of;
pub use crate::protocol::platform_keys::{
    parse, AutoCertificates, Downloaded, Endpoint, Outcome, DEFAULT_REFRESH_SECS,
    UNKNOWN_SERIAL_MIN_INTERVAL_SECS,
};

impl Client {
    /// Download the platform certificates of this client's namespace (`certificate_endpoint`,
    /// else from `base_uri`), check them, verify the answer with them and install them next to
    /// the configured keys. Needs `apiv3_key`.
    pub async fn download_certificates(&self) -> Result<Outcome> {
        let _one_at_a_time = self.refreshing().lock().await;
        self.download_and_record(self.http()).await
    }

    async fn download_and_record(&self, http: &crate::transport::Http) -> Result<Outcome> {
        let outcome = self.fetch_certificates(http).await;
        self.auto_certificates().record(self.now(), &outcome);
        outcome
    }

    async fn fetch_certificates(&self, http: &crate::transport::Http) -> Result<Outcome> {
        let key = self.apiv3_key().ok_or_else(|| {
            Error::config("downloading platform certificates needs `apiv3_key` in the configuration: they are encrypted with it")
        })?;
        let endpoint = Endpoint::choose(
            self.auto_certificates().endpoint.as_deref(),
            self.base_uri(),
        );
        let mut url = self.base_uri().clone();
        url.set_path(endpoint.path());
        url.set_query(None);
        let options = RequestOptions::default();
        let prepared = self.prepare("GET", url.as_str(), &options)?;
        let observer = self.observer(&prepared);
        let outcome = self
            .download_prepared(http, &prepared, &observer, key)
            .await;
        observer.finish_with(outcome.as_ref().err());
        outcome
    }

    async fn download_prepared(
        &self,
        http: &crate::transport::Http,
        prepared: &crate::PreparedRequest,
        observer: &crate::events::Observer<'_>,
        key: &crate::aead::Apiv3Key,
    ) -> Result<Outcome> {
        let (status, headers, body) = match self.execute_unverified(http, prepared, observer).await
        {
            Ok(r) => r,
            Err(e)
                if e.status() == Some(404)
                    && e.api().is_some_and(|a| {
                        a.code == "RESOURCE_NOT_EXISTS" || a.code == "NOT_FOUND"
                    }) =>
            {
                let has_public_key = self
                    .verifier()
                    .serials()
                    .iter()
                    .any(|id| id.starts_with("PUB_KEY_ID_"));
                return if has_public_key {
                    Ok(Outcome::PublicKeyOnly)
                } else {
                    Err(Error::config(format!(
                        "WeChat Pay has no platform certificate for this merchant ({}): merchants since late 2024 use the WeChat Pay public key instead. Download it under Account centre → API security → WeChat Pay public key, and configure it: certs {{\"PUB_KEY_ID_…\": \"file:///path/pub_key.pem\"}}",
                        e.message()
                    )))
                };
            }
            Err(e) => return Err(e),
        };
        let request_id = crate::response::request_id_of(&headers);
        let with_response = |e: Error| e.with_response(status, request_id.clone());
        let now = self.now();
        let downloaded = parse(&body, key, now).map_err(with_response)?;
        // The answer is signed by one of the downloaded certificates (or, during a migration, by
        // a configured key): verify it before anything is installed.
        let fresh = Verifier::new(keys_of(&downloaded).collect());
        let signed = SignatureHeaders::from_header_map(&headers).map_err(with_response)?;
        match fresh.verify(signed, &body, now) {
            Err(e) if e.verify_failure() == Some(crate::VerifyFailure::UnknownSerial) => {
                self.verifier().verify(signed, &body, now)
            }
            r => r,
        }
        .map_err(with_response)?;
        self.verifier()
            .install_downloaded(keys_of(&downloaded).collect(), now);
        Ok(Outcome::Certificates(downloaded))
    }

    /// Before a call with `auto_certificates`: download on first use (waiting for it), or when
    /// the set is older than `certificate_refresh` (inline, by one caller; its failure is
    /// recorded and the call goes on with the current keys).
    pub(crate) async fn certificates_before_call(
        &self,
        http: &crate::transport::Http,
    ) -> Result<()> {
        let auto = self.auto_certificates();
        if !auto.enabled {
            return Ok(());
        }
        let now = self.now();
        let fetched = auto.fetched_at.load(Ordering::Acquire);
        if fetched == 0 {
            let _one = self.refreshing().lock().await;
            if auto.fetched_at.load(Ordering::Acquire) != 0 {
                return Ok(()); // another call just did it
            }
            let outcome = self.download_and_record(http).await;
            // Without any key the call cannot be verified: the failure is the call's. With
            // configured keys, the call goes on (and the failure is on record).
            if let Err(e) = outcome {
                if self.verifier().serials().is_empty() {
                    return Err(e);
                }
            }
            return Ok(());
        }
        if auto.wanted.swap(false, Ordering::AcqRel) {
            // A notification named a serial this client does not know: look now (rate-limited
            // like any unknown serial), so WeChat Pay's redelivery verifies.
            let seen = self.certificate_generation();
            self.refresh_for_unknown_serial(http, seen).await;
            return Ok(());
        }
        if now.saturating_sub(fetched) >= auto.refresh_secs {
            if let Ok(_one) = self.refreshing().try_lock() {
                if auto.fetched_at.load(Ordering::Acquire) == fetched {
                    let _ = self.download_and_record(http).await;
                }
            }
        }
        Ok(())
    }

    /// After an answer named an unknown serial: download (waiting for a download in progress
    /// instead of starting another), unless one was attempted in the last minute. Returns
    /// whether the keys may have changed, so that the answer is worth verifying again.
    pub(crate) async fn refresh_for_unknown_serial(
        &self,
        http: &crate::transport::Http,
        seen: u64,
    ) -> bool {
        let auto = self.auto_certificates();
        if !auto.enabled {
            return false;
        }
        let _one = self.refreshing().lock().await;
        let now = self.now();
        if auto.generation() != seen {
            return true; // a download finished since this call verified: verify against it
        }
        let last = auto.unknown_serial_at.load(Ordering::Acquire);
        if last != 0 && now.saturating_sub(last) < UNKNOWN_SERIAL_MIN_INTERVAL_SECS {
            return false;
        }
        auto.unknown_serial_at.store(now, Ordering::Release);
        self.download_and_record(http).await.is_ok()
    }

    /// How many downloads have finished (read before verifying, passed to
    /// [`refresh_for_unknown_serial`](Self::refresh_for_unknown_serial)).
    pub(crate) fn certificate_generation(&self) -> u64 {
        self.auto_certificates().generation()
    }

    /// The keys this client verifies with, and the state of downloads, as JSON: `keys` (each
    /// `id`, `kind` `"certificate"` or `"public_key"`, `not_before`, `not_after` (Unix seconds
    /// or null), `source` `"configured"` or `"downloaded"`), `auto_certificates`,
    /// `last_download` (`at`, `attempted_at`, `public_key_only`, `error`).
    pub fn certificates_json(&self) -> Value {
        let keys = self.verifier().snapshot();
        let mut ids: Vec<&String> = keys.keys().collect();
        ids.sort_unstable();
        let list: Vec<Value> = ids
            .into_iter()
            .map(|id| {
                let k = &keys[id];
                json!({
                    "id": id,
                    "kind": if k.key.certificate_serial().is_some() { "certificate" } else { "public_key" },
                    "not_before": k.key.not_before(),
                    "not_after": k.key.not_after(),
                    "source": k.source.name(),
                })
            })
            .collect();
        let auto = self.auto_certificates();
        let at = |a: &AtomicI64| match a.load(Ordering::Acquire) {
            0 => Value::Null,
            t => json!(t),
        };
        json!({
            "keys": list,
            "auto_certificates": auto.enabled,
            "last_download": {
                "at": at(&auto.fetched_at),
                "attempted_at": at(&auto.attempted_at),
                "public_key_only": auto.public_key_only.load(Ordering::Acquire),
                "error": auto.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            },
        })
    }
}
