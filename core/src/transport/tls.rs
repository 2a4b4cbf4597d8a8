//! The TLS set-up of every client, made once per process.
//!
//! Loading the system's trusted roots (a directory of a few hundred PEM files) is most of what
//! building an HTTPS client costs: about 3 ms, paid per client when reqwest builds its own
//! configuration. Here the roots are read once per process, and one `rustls::ClientConfig` is
//! kept per set of extra roots (`ca_certs`), so clients built per request (PHP's shared-nothing
//! model, serverless functions) and per-thread connection pools cost little, and they share
//! one TLS session cache (a new connection resumes the session an earlier one made).
//!
//! Trust is what reqwest's `rustls` feature gives on Linux: the system's roots
//! (`SSL_CERT_FILE` / `SSL_CERT_DIR` honoured) plus the configured `ca_certs`, verified by
//! webpki with aws-lc-rs.

use std::sync::{Arc, Mutex};

use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

use crate::process::{Lru, PerProcess};

/// How many sets of extra roots keep a configuration per process.
const CONFIGS: usize = 8;

static SYSTEM_ROOTS: PerProcess<RootCertStore> = PerProcess::new();

type Configs = Mutex<Lru<Vec<CertificateDer<'static>>, Arc<rustls::ClientConfig>>>;
static CONFIGS_BY_ROOTS: PerProcess<Configs> = PerProcess::new();

fn system_roots() -> Result<Arc<RootCertStore>, String> {
    SYSTEM_ROOTS.get_or_try_init(|| {
        let found = rustls_native_certs::load_native_certs();
        let mut store = RootCertStore::empty();
        // Unparsable system certificates are skipped, as every TLS stack does.
        store.add_parsable_certificates(found.certs);
        Ok(store)
    })
}

/// The TLS configuration trusting the system's roots plus `extra_roots` (DER), shared by every
/// client of this process with the same extra roots. Errors name what is wrong, for a `CONFIG`
/// error.
pub(crate) fn client_config(
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, String> {
    let cache =
        CONFIGS_BY_ROOTS.get_or_try_init(|| Ok::<_, String>(Mutex::new(Lru::new(CONFIGS))))?;
    if let Some(config) = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&extra_roots)
    {
        return Ok((**config).clone());
    }
    let mut store = (*system_roots()?).clone();
    for (i, cert) in extra_roots.iter().enumerate() {
        store.add(cert.clone()).map_err(|e| {
            format!(
                "certificate {} of `ca_certs` cannot be a trust anchor: {e}",
                i + 1
            )
        })?;
    }
    if store.is_empty() {
        return Err("no trusted root certificates: the system has none (install the `ca-certificates` package, or set SSL_CERT_FILE) and `ca_certs` is empty".into());
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let config = Arc::new(config);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(extra_roots, config.clone());
    Ok((*config).clone())
}
