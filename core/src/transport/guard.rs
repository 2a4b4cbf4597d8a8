//! Plain HTTP only to loopback: `insecure_http` exists for test servers on this machine, so a
//! connection that is not TLS must go to a loopback address — checked on the connection itself,
//! after `resolve`, DNS and any proxy, before a byte of the request is written. A name that
//! resolves elsewhere (`http://api.mch.weixin.qq.com/` with `insecure_http: true`) would
//! otherwise carry the signed request in clear text.

use std::net::SocketAddr;

/// A plain connection to a host that is not loopback: refused before anything was written.
#[derive(Clone, Debug)]
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

/// The rule for a plain connection to `peer`.
pub(crate) fn allowed(peer: SocketAddr, proxied: bool) -> Result<(), PlainHttpRefused> {
    if is_loopback(peer) {
        Ok(())
    } else {
        Err(PlainHttpRefused { peer, proxied })
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
            assert!(allowed(ok.parse().unwrap(), false).is_ok(), "{ok}");
        }
        for bad in [
            "10.0.0.7:80",
            "203.0.113.5:80",
            "[2001:db8::1]:80",
            "0.0.0.0:80",
            "[::ffff:10.0.0.1]:80",
        ] {
            let e = allowed(bad.parse().unwrap(), true).unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains("loopback") && text.contains("(a proxy)"),
                "{text}"
            );
        }
    }
}
