//! Plain HTTP only to loopback: `insecure_http` exists for test servers on this machine, so a
//! connection that is not TLS must go to a loopback address — checked on the connection itself,
//! after `resolve`, DNS and any proxy, before a byte of the request is written. A name that
//! resolves elsewhere (`http://api.mch.weixin.qq.com/` with `insecure_http: true`) would
//! otherwise carry the signed request in clear text.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::{Connection, HttpInfo};

/// The connector layer (`reqwest::ClientBuilder::connector_layer`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PlainHttpGuard;

impl<S> tower_layer::Layer<S> for PlainHttpGuard {
    type Service = Guarded<S>;
    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded(inner)
    }
}

/// The connector with the check.
#[derive(Clone, Debug)]
pub(crate) struct Guarded<S>(S);

/// A plain connection to a host that is not loopback: refused before anything was written.
#[derive(Debug)]
pub(crate) struct PlainHttpRefused {
    /// Where the connection went (the peer: the server, or the proxy).
    pub(crate) peer: SocketAddr,
    /// Through a proxy.
    pub(crate) proxied: bool,
}

impl std::fmt::Display for PlainHttpRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "plain http (insecure_http) is allowed only to a loopback address, and this connection went to {}{}: the signed request would travel in clear text; use https (remove insecure_http), or a test server on 127.0.0.1 / ::1 (`resolve` may point a name there)",
            self.peer,
            if self.proxied { " (a proxy)" } else { "" }
        )
    }
}

impl std::error::Error for PlainHttpRefused {}

/// Whether a connection described by `extensions` (its `Connected` extras) may carry a request:
/// TLS always; plain only to a loopback peer.
fn check(
    connected: &hyper_util::client::legacy::connect::Connected,
) -> Result<(), PlainHttpRefused> {
    let mut extras = http::Extensions::new();
    connected.get_extras(&mut extras);
    if extras.get::<reqwest::tls::TlsInfo>().is_some() {
        return Ok(());
    }
    allowed(
        extras.get::<HttpInfo>().map(HttpInfo::remote_addr),
        connected.is_proxied(),
    )
}

/// The rule for a plain connection to `peer`.
fn allowed(peer: Option<SocketAddr>, proxied: bool) -> Result<(), PlainHttpRefused> {
    match peer {
        Some(peer) if !is_loopback(peer) => Err(PlainHttpRefused { peer, proxied }),
        // A loopback peer, or a transport without an address (not made by wxpay).
        _ => Ok(()),
    }
}

/// 127.0.0.0/8, ::1, and IPv4-mapped loopback (`::ffff:127.0.0.1`).
fn is_loopback(peer: SocketAddr) -> bool {
    match peer.ip() {
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

impl<S, R> tower_service::Service<R> for Guarded<S>
where
    S: tower_service::Service<R>,
    S::Response: Connection + Send + 'static,
    S::Error: From<PlainHttpRefused> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> Self::Future {
        let connecting = self.0.call(req);
        Box::pin(async move {
            let conn = connecting.await?;
            check(&conn.connected())?;
            Ok(conn)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_connections_only_to_loopback() {
        for ok in [
            "127.0.0.1:80",
            "127.9.9.9:8080",
            "[::1]:443",
            "[::ffff:127.0.0.1]:80",
        ] {
            assert!(allowed(Some(ok.parse().unwrap()), false).is_ok(), "{ok}");
        }
        for bad in [
            "10.0.0.7:80",
            "203.0.113.5:80",
            "[2001:db8::1]:80",
            "0.0.0.0:80",
            "[::ffff:10.0.0.1]:80",
        ] {
            let e = allowed(Some(bad.parse().unwrap()), true).unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains("loopback") && text.contains("(a proxy)"),
                "{text}"
            );
        }
    }
}
