//! How a client's connections are made: the HTTPS client settings (the TLS set-up shared per
//! process, `tls`), the per-runtime [`Transport`] pools, and the CA bundle parsing.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use crate::error::{Error, Result};

pub mod boundary;
mod guard;
pub mod process;
mod tls;

pub(crate) use guard::PlainHttpRefused;

/// How a client's connection pools are made: one in the client, and more through
/// [`Client::new_transport`].
#[derive(Clone)]
pub(crate) struct TransportSettings {
    pub(crate) connect_timeout: Duration,
    /// The configured `ca_certs` (DER), added to the system's roots.
    pub(crate) extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub(crate) resolve: Vec<(String, SocketAddr)>,
    /// The proxy (`proxy`, with its `no_proxy` list), if any.
    pub(crate) proxy: Option<(zeroize::Zeroizing<String>, Option<String>)>,
    /// Take the proxy from the environment (`proxy_from_env`).
    pub(crate) proxy_from_env: bool,
}

impl TransportSettings {
    /// A connection pool. Its TLS set-up is this process's for these roots (`tls`: made
    /// once per process, so a child after `fork()` gets its own, never a session cache a
    /// parent's thread may have held locked).
    pub(crate) fn build(&self) -> Result<reqwest::Client> {
        let tls = tls::client_config(self.extra_roots.clone())
            .map_err(|why| Error::config(format!("cannot set up the HTTPS client: {why}")))?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(50))
            .tcp_nodelay(true)
            .tls_backend_preconfigured(tls)
            // TLS connections say so (`TlsInfo`), which the plain-HTTP guard reads.
            .tls_info(true)
            .connector_layer(guard::PlainHttpGuard);
        for (host, addr) in &self.resolve {
            builder = builder.resolve(host, *addr);
        }
        builder = match (&self.proxy, self.proxy_from_env) {
            (Some((url, no_proxy)), _) => {
                let proxy = reqwest::Proxy::all(url.as_str())
                    .map_err(|_| {
                        Error::config(format!(
                            "config field `proxy` `{}` cannot be used as a proxy",
                            proxy_shown(url)
                        ))
                    })?
                    .no_proxy(no_proxy.as_deref().and_then(reqwest::NoProxy::from_string));
                builder.proxy(proxy)
            }
            // reqwest reads HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY when not told otherwise.
            (None, true) => builder,
            (None, false) => builder.no_proxy(),
        };
        builder.build().map_err(|e| {
            Error::config(format!(
                "cannot set up the HTTPS client: {}",
                error_chain(&e)
            ))
        })
    }
}

/// A connection pool of a [`Client`], for a caller that drives its own runtime (for example one
/// per thread, so a blocking call does its I/O on the caller's thread): a connection is driven
/// by the runtime that opened it, so a pool must only be used from one runtime. Made by
/// [`Client::new_transport`], used with [`Client::execute_via`]; cheap to make (the TLS set-up
/// is shared, `tls`).
pub struct Transport {
    pub(crate) client_id: u64,
    pub(crate) http: reqwest::Client,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The certificates of one `ca_certs` entry (PEM text), as DER.
pub(crate) fn ca_certificates(
    field: &str,
    text: &str,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(Error::config(format!(
            "config field `{field}` is not a PEM certificate (`-----BEGIN CERTIFICATE-----`)"
        )));
    }
    rustls::pki_types::CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::config(format!(
                "config field `{field}` is not a valid PEM certificate: {}",
                crate::error::quote_n(&e.to_string(), 120)
            ))
        })
}

/// An error and its sources as one line, without repeats.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// A proxy URL as messages and `Debug` may show it: the password replaced by `***`.
pub(crate) fn proxy_shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<not a URL>".to_owned(),
    }
}

/// Check a `proxy` value: an `http://` or `https://` URL with a host (and a port, or the
/// scheme's), optional credentials, no path. Messages never show the password.
pub(crate) fn check_proxy(field: &str, url: &str) -> Result<()> {
    let parsed = reqwest::Url::parse(url).map_err(|_| {
        Error::config(format!(
            "config field `{field}` is not a URL; give e.g. \"http://proxy.internal:3128\" (with `user:password@` if it needs credentials)"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "config field `{field}` has scheme `{}`; wxpay speaks to HTTP(S) forward proxies (`http://` or `https://`), not SOCKS",
            crate::error::quote(parsed.scheme())
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(format!(
            "config field `{field}` `{}` has no host",
            proxy_shown(url)
        )));
    }
    if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
        return Err(Error::config(format!(
            "config field `{field}` `{}` has a path or query; a proxy is scheme://host:port",
            proxy_shown(url)
        )));
    }
    Ok(())
}
