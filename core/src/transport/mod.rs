//! How a client's connections are made: the HTTPS client settings (the TLS set-up shared per
//! process, `tls`), the per-runtime [`Transport`] pools, and the CA bundle parsing.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use crate::error::{Error, Result};

pub mod boundary;
mod connect;
mod guard;
mod http;
pub mod process;
mod tls;

pub(crate) use connect::ConnectError;
pub(crate) use http::{Http, HttpError, Response, MAX_INFORMATIONAL};

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

/// What identifies a [`TransportSettings`]: SHA-256 over every field (the proxy URL hashed,
/// never kept). Two clients with the same key may share connections: nothing of a merchant
/// (key, mchid, serial, signature) is part of a connection, only where and how it connects.
pub type TransportKey = [u8; 32];

/// How many transport settings keep a shared connection pool per process
/// ([`TransportSettings::pool`]): the bindings' clients of one process usually have one
/// or two (mainland and HK behind the same proxy), however many merchants they serve.
const SHARED_POOLS: usize = 16;

type SharedPools = std::sync::Mutex<crate::process::Lru<TransportKey, Http>>;
static SHARED: crate::process::PerProcess<SharedPools> = crate::process::PerProcess::new();

impl TransportSettings {
    /// The key of these settings (see [`TransportKey`]).
    pub(crate) fn key(&self) -> TransportKey {
        use aws_lc_rs::digest;
        let mut ctx = digest::Context::new(&digest::SHA256);
        let mut field = |value: &[u8]| {
            // Length-prefixed: no two different settings hash the same input stream.
            ctx.update(&(value.len() as u64).to_le_bytes());
            ctx.update(value);
        };
        let TransportSettings {
            connect_timeout,
            extra_roots,
            resolve,
            proxy,
            proxy_from_env,
        } = self;
        field(&connect_timeout.as_nanos().to_le_bytes());
        field(&(extra_roots.len() as u64).to_le_bytes());
        for root in extra_roots {
            field(root.as_ref());
        }
        field(&(resolve.len() as u64).to_le_bytes());
        for (host, addr) in resolve {
            field(host.as_bytes());
            field(addr.to_string().as_bytes());
        }
        match proxy {
            Some((url, no_proxy)) => {
                field(b"proxy");
                field(url.as_bytes());
                field(no_proxy.as_deref().unwrap_or_default().as_bytes());
                field(&[u8::from(no_proxy.is_some())]);
            }
            None => field(b"no proxy"),
        }
        field(&[u8::from(*proxy_from_env)]);
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }

    /// A connection pool for these settings (`key` is [`TransportSettings::key`]): with
    /// `shared`, this process's pool for them, shared by every client that asks for it with the
    /// same settings (so a thousand merchants behind one gateway use a handful of connections,
    /// HTTP/2 where the server speaks it) — its connections are driven by the runtime that
    /// opened them, so it is for clients used from one runtime per process (the bindings'
    /// process runtime, Node's); at most [`SHARED_POOLS`] settings are kept, and after `fork()`
    /// the child starts with none. Without `shared`, a pool of its own ([`Self::build`]).
    pub(crate) fn pool(&self, key: TransportKey, shared: bool) -> Result<Http> {
        if !shared {
            return self.build();
        }
        let pools = SHARED.get_or_try_init(|| {
            Ok::<_, Error>(std::sync::Mutex::new(crate::process::Lru::new(
                SHARED_POOLS,
            )))
        })?;
        crate::process::cached(&pools, key, || self.build())
    }

    /// A connection pool. Its TLS set-up is this process's for these roots (`tls`: made
    /// once per process, so a child after `fork()` gets its own, never a session cache a
    /// parent's thread may have held locked).
    pub(crate) fn build(&self) -> Result<Http> {
        let tls = tls::client_config(self.extra_roots.clone())
            .map_err(|why| Error::config(format!("cannot set up the HTTPS client: {why}")))?;
        let mut proxy_tls = tls.clone();
        proxy_tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        use hyper_util::client::proxy::matcher::Matcher;
        let proxy = match (&self.proxy, self.proxy_from_env) {
            (Some((url, no_proxy)), _) => Some(
                Matcher::builder()
                    .all(url.as_str())
                    .no(no_proxy.as_deref().unwrap_or_default())
                    .build(),
            ),
            // HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY, as curl and reqwest read them
            // (ignored under CGI, where HTTP_PROXY may come from a request header).
            (None, true) => Some(Matcher::from_env()),
            (None, false) => None,
        };
        Ok(Http::new(connect::Connector(std::sync::Arc::new(
            connect::ConnectSettings {
                tls: std::sync::Arc::new(tls),
                proxy_tls: std::sync::Arc::new(proxy_tls),
                resolve: self.resolve.clone(),
                connect_timeout: self.connect_timeout,
                proxy,
            },
        ))))
    }
}

/// A connection pool, for a caller that drives its own runtime (for example one
/// per thread, so a blocking call does its I/O on the caller's thread): a connection is driven
/// by the runtime that opened it, so a pool must only be used from one runtime. Made by
/// [`Client::new_transport`], used with [`Client::execute_via`]; cheap to make (the TLS set-up
/// is shared, `tls`).
///
/// A transport serves every client with the same transport settings
/// ([`Client::transport_key`]): clients of different merchants behind the same gateway share
/// its connections (a connection carries nothing of a merchant).
pub struct Transport {
    pub(crate) key: TransportKey,
    pub(crate) http: Http,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport").finish_non_exhaustive()
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
    match url::Url::parse(url) {
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
    let parsed = url::Url::parse(url).map_err(|_| {
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
