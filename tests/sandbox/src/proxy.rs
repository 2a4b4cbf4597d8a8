//! A forward proxy for tests: HTTP `CONNECT` only (TLS stays end to end between the client and
//! the sandbox), Basic credentials required, and only the hosts it was given (mapped to the
//! sandbox) reachable — it never opens a connection anywhere else.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The TEST-ONLY credentials the proxy started by the sandbox binary requires.
pub const TEST_CREDENTIALS: (&str, &str) = ("wxpay-test", "proxy-secret-TEST-ONLY");

/// A running proxy; dropping it stops accepting.
pub struct ConnectProxy {
    addr: SocketAddr,
    tunnels: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ConnectProxy {
    /// Listen on loopback; `routes` maps `host` (as in `CONNECT host:port`) to where it goes.
    pub async fn start(
        routes: HashMap<String, SocketAddr>,
        credentials: (&str, &str),
    ) -> Result<ConnectProxy, String> {
        Self::start_with(routes, credentials, None).await
    }

    /// The same proxy spoken to over TLS (an `https://` proxy URL) with this server set-up.
    pub async fn start_tls(
        routes: HashMap<String, SocketAddr>,
        credentials: (&str, &str),
        tls: Arc<tokio_rustls::rustls::ServerConfig>,
    ) -> Result<ConnectProxy, String> {
        Self::start_with(
            routes,
            credentials,
            Some(tokio_rustls::TlsAcceptor::from(tls)),
        )
        .await
    }

    async fn start_with(
        routes: HashMap<String, SocketAddr>,
        credentials: (&str, &str),
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> Result<ConnectProxy, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("proxy: cannot listen: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", credentials.0, credentials.1))
        );
        let tunnels = Arc::new(AtomicU64::new(0));
        let refused = Arc::new(AtomicU64::new(0));
        let (t, r) = (tunnels.clone(), refused.clone());
        let routes = Arc::new(routes);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (routes, expected, t, r, tls) = (
                    routes.clone(),
                    expected.clone(),
                    t.clone(),
                    r.clone(),
                    tls.clone(),
                );
                tokio::spawn(async move {
                    let served = match tls {
                        None => serve(stream, &routes, &expected, &t).await,
                        Some(tls) => match tls.accept(stream).await {
                            Ok(stream) => serve(stream, &routes, &expected, &t).await,
                            Err(_) => Err(()),
                        },
                    };
                    if served.is_err() {
                        r.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        Ok(ConnectProxy {
            addr,
            tunnels,
            refused,
            task,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://user:password@127.0.0.1:PORT`.
    pub fn url(&self, credentials: (&str, &str)) -> String {
        format!("http://{}:{}@{}", credentials.0, credentials.1, self.addr)
    }

    /// Tunnels opened, and requests refused (bad credentials, unknown host, not CONNECT).
    pub fn counts(&self) -> (u64, u64) {
        (
            self.tunnels.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
        )
    }
}

/// Serve one connection: a tunnel (counted in `tunnels` once established), or a refusal.
async fn serve<C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut client: C,
    routes: &HashMap<String, SocketAddr>,
    expected: &str,
    tunnels: &AtomicU64,
) -> Result<(), ()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = client.read(&mut buf).await.map_err(|_| ())?;
        if n == 0 || head.len() > 16 * 1024 {
            return Err(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let request = lines.next().unwrap_or_default().to_owned();
    let authorized = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("proxy-authorization") && v.trim() == expected
        })
    });
    let answer = |status: &str| {
        format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    };
    let mut parts = request.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        let _ = client
            .write_all(answer("405 Method Not Allowed").as_bytes())
            .await;
        return Err(());
    };
    if !authorized {
        let _ = client
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"wxpay-test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
        return Err(());
    }
    let host = target.rsplit_once(':').map_or(target, |(h, _)| h);
    let Some(to) = routes.get(host) else {
        let _ = client.write_all(answer("403 Forbidden").as_bytes()).await;
        return Err(());
    };
    let Ok(mut upstream) = TcpStream::connect(to).await else {
        let _ = client.write_all(answer("502 Bad Gateway").as_bytes()).await;
        return Err(());
    };
    client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await
        .map_err(|_| ())?;
    tunnels.fetch_add(1, Ordering::Relaxed);
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    Ok(())
}
