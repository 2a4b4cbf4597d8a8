//! How a connection is made — `resolve`, DNS, TCP, the proxy's `CONNECT` tunnel, TLS, the
//! plain-HTTP rule — and the [`Conn`] hyper reads from, which gives the runtime back its turn
//! after every [`READ_BUDGET`] bytes (so a peer that writes faster than the answer is parsed
//! cannot keep a deadline from firing: issue 28), and which gathers what hyper writes for one
//! request into one TLS record and one system call ([`GATHER`]: issue 27).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use super::guard::{self, PlainHttpRefused};

/// Bytes a connection may hand its reader before it lets the runtime run (timers included):
/// about 4 TLS records. Without it, a peer writing faster than hyper parses keeps one
/// poll of the connection going for seconds (Tokio's budget counts reads, not bytes; hyper
/// reads ahead until a read would block), and on a current-thread runtime the timer that would
/// end the call is not looked at meanwhile. 64 KiB at a time costs a bill download one extra
/// poll per 64 KiB.
pub(crate) const READ_BUDGET: usize = 64 * 1024;

/// Bytes a connection gathers from hyper before writing them to the socket. An HTTP/2 request
/// with a body reaches the connection in two flushes — the HEADERS frame from the connection's
/// task, the DATA frame from hyper's body task one scheduling turn later — and each flush was a
/// TLS record and a `writev` of its own, the second waking the peer a second time: on loopback
/// in a VM that wake-up was ≈ 20 % of a close call's CPU (`bench/profiles/c-blocking-c1.txt`).
/// So writes up to this size are copied into the connection's buffer, and a flush that finds
/// the buffer filled since the last one waits one turn of the runtime (the body task's) before
/// writing everything at once. Larger writes (a file upload's DATA frames) go out directly.
const GATHER: usize = 16 * 1024;

/// The largest `CONNECT` answer head a proxy may send.
const MAX_PROXY_HEAD: usize = 8 * 1024;

/// How connections are made for one [`super::Http`].
pub(crate) struct ConnectSettings {
    /// h2 and http/1.1 offered by ALPN.
    pub(crate) tls: Arc<rustls::ClientConfig>,
    /// For an `https://` proxy: http/1.1 only (a `CONNECT` is HTTP/1.1).
    pub(crate) proxy_tls: Arc<rustls::ClientConfig>,
    pub(crate) resolve: Vec<(String, SocketAddr)>,
    pub(crate) connect_timeout: Duration,
    pub(crate) proxy: Option<Matcher>,
}

/// The connector hyper's pool calls for a new connection.
#[derive(Clone)]
pub(crate) struct Connector(pub(crate) Arc<ConnectSettings>);

/// Why no connection was made. Nothing of the request was written.
#[derive(Clone, Debug)]
pub(crate) enum ConnectError {
    /// `connect_timeout` passed (TCP, the proxy's answer and TLS together).
    TimedOut,
    /// A plain connection to a host that is not loopback.
    PlainHttp(PlainHttpRefused),
    /// Anything else, said in words.
    Failed(String),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::TimedOut => f.write_str("connection timed out"),
            ConnectError::PlainHttp(refused) => refused.fmt(f),
            ConnectError::Failed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ConnectError {}

fn failed(what: impl Into<String>) -> ConnectError {
    ConnectError::Failed(what.into())
}

impl tower_service::Service<Uri> for Connector {
    type Response = Conn;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let settings = self.0.clone();
        Box::pin(async move {
            match tokio::time::timeout(settings.connect_timeout, settings.connect(&dst)).await {
                Ok(done) => done,
                Err(_) => Err(ConnectError::TimedOut),
            }
        })
    }
}

/// A host as `Uri::host` gives it, without an IPv6 address's brackets.
fn bare_host(uri: &Uri) -> Result<&str, ConnectError> {
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| failed("the URL has no host"))?;
    Ok(host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host))
}

/// The port of `uri`: its own, or its scheme's; and whether it was written.
fn port_of(uri: &Uri) -> (u16, bool) {
    match uri.port_u16() {
        Some(port) => (port, true),
        None => (
            if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            },
            false,
        ),
    }
}

/// What both kinds of stream under TLS are.
trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Stream for T {}

impl ConnectSettings {
    async fn connect(&self, dst: &Uri) -> Result<Conn, ConnectError> {
        let https = match dst.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            other => {
                return Err(failed(format!(
                    "scheme `{}` is neither https nor http",
                    other.unwrap_or_default()
                )))
            }
        };
        let host = bare_host(dst)?;
        let (port, explicit) = port_of(dst);
        let intercept = self.proxy.as_ref().and_then(|m| m.intercept(dst));
        let (stream, peer, proxied, socket): (Box<dyn Stream>, SocketAddr, bool, Socket) =
            match intercept {
                Some(proxy) => {
                    let via = proxy.uri();
                    let (proxy_port, proxy_explicit) = port_of(via);
                    let (tcp, peer) = self
                        .tcp(bare_host(via)?, proxy_port, proxy_explicit)
                        .await
                        .map_err(|e| match e {
                            ConnectError::Failed(why) => failed(format!("the proxy: {why}")),
                            other => other,
                        })?;
                    let socket = Socket::of(&tcp);
                    let mut stream: Box<dyn Stream> = if via.scheme_str() == Some("https") {
                        Box::new(
                            self.tls_to(self.proxy_tls.clone(), bare_host(via)?, tcp)
                                .await
                                .map_err(|why| failed(format!("TLS with the proxy: {why}")))?,
                        )
                    } else {
                        Box::new(tcp)
                    };
                    tunnel(&mut stream, host, port, proxy.basic_auth()).await?;
                    (stream, peer, true, socket)
                }
                None => {
                    let (tcp, peer) = self.tcp(host, port, explicit).await?;
                    let socket = Socket::of(&tcp);
                    (Box::new(tcp), peer, false, socket)
                }
            };
        if !https {
            guard::allowed(peer, proxied).map_err(ConnectError::PlainHttp)?;
            return Ok(Conn::new(stream, false, socket));
        }
        let tls = self
            .tls_to(self.tls.clone(), host, stream)
            .await
            .map_err(failed)?;
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2".as_slice());
        Ok(Conn::new(Box::new(tls), h2, socket))
    }

    /// A TCP connection to `host:port`: `resolve` first (its port used unless the URL named
    /// one), else DNS; each address tried in turn.
    async fn tcp(
        &self,
        host: &str,
        port: u16,
        explicit_port: bool,
    ) -> Result<(TcpStream, SocketAddr), ConnectError> {
        let overridden: Vec<SocketAddr> = self
            .resolve
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(host))
            .map(|(_, addr)| {
                let mut addr = *addr;
                if explicit_port || addr.port() == 0 {
                    addr.set_port(port);
                }
                addr
            })
            .collect();
        let addrs: Vec<SocketAddr> = if !overridden.is_empty() {
            overridden
        } else if let Ok(ip) = host.parse::<std::net::IpAddr>() {
            vec![SocketAddr::new(ip, port)]
        } else {
            tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| failed(format!("cannot resolve `{host}`: {e}")))?
                .collect()
        };
        // Each address gets an equal share of what is left of `connect_timeout`, so one that
        // swallows packets (an IPv6 route that goes nowhere) cannot use it all up.
        let deadline = tokio::time::Instant::now() + self.connect_timeout;
        let mut last = None;
        let count = addrs.len();
        for (i, addr) in addrs.into_iter().enumerate() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let share = left / u32::try_from(count - i).unwrap_or(u32::MAX);
            match tokio::time::timeout(share, TcpStream::connect(addr)).await {
                Ok(Ok(tcp)) => {
                    let _ = tcp.set_nodelay(true);
                    return Ok((tcp, addr));
                }
                Ok(Err(e)) => last = Some(format!("{addr}: {e}")),
                // The last address used up `connect_timeout`: a connect timeout, as with one.
                Err(_) if i + 1 == count => return Err(ConnectError::TimedOut),
                Err(_) => last = Some(format!("{addr}: no answer within {} ms", share.as_millis())),
            }
        }
        Err(failed(last.unwrap_or_else(|| {
            format!("`{host}` resolved to no address")
        })))
    }

    async fn tls_to<S: Stream>(
        &self,
        config: Arc<rustls::ClientConfig>,
        host: &str,
        stream: S,
    ) -> Result<tokio_rustls::client::TlsStream<S>, String> {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|_| format!("`{host}` is not a name TLS can verify"))?;
        tokio_rustls::TlsConnector::from(config)
            .connect(name, stream)
            .await
            .map_err(|e| super::error_chain(&e))
    }
}

/// Ask the proxy for a tunnel to `host:port` and read its answer (200 or an error naming the
/// status; 407 says the credentials were refused). The password is never part of a message.
async fn tunnel(
    stream: &mut Box<dyn Stream>,
    host: &str,
    port: u16,
    auth: Option<&http::HeaderValue>,
) -> Result<(), ConnectError> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n").into_bytes();
    if let Some(auth) = auth {
        head.extend_from_slice(b"Proxy-Authorization: ");
        head.extend_from_slice(auth.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let sent = stream.write_all(&head).await;
    zeroize::Zeroize::zeroize(&mut head);
    sent.map_err(|e| failed(format!("the proxy closed the connection: {e}")))?;
    let mut answer = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| failed(format!("the proxy's answer to CONNECT: {e}")))?;
        if n == 0 {
            return Err(failed(
                "the proxy closed the connection instead of answering CONNECT",
            ));
        }
        answer.extend_from_slice(&buf[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut parsed = httparse::Response::new(&mut headers);
        match parsed.parse(&answer) {
            Ok(httparse::Status::Complete(len)) => {
                let code = parsed.code.unwrap_or_default();
                if len != answer.len() {
                    return Err(failed("the proxy sent bytes after its answer to CONNECT"));
                }
                return match code {
                    200..=299 => Ok(()),
                    407 => Err(failed(format!(
                        "the proxy refused the tunnel to {authority}: 407 Proxy Authentication Required (check the user and password in `proxy`)"
                    ))),
                    _ => Err(failed(format!(
                        "the proxy refused the tunnel to {authority}: {code} {}",
                        crate::error::quote_n(parsed.reason.unwrap_or_default(), 80)
                    ))),
                };
            }
            Ok(httparse::Status::Partial) if answer.len() <= MAX_PROXY_HEAD => {}
            Ok(httparse::Status::Partial) => {
                return Err(failed(format!(
                    "the proxy's answer to CONNECT is longer than {MAX_PROXY_HEAD} bytes"
                )))
            }
            Err(e) => {
                return Err(failed(format!(
                    "the proxy's answer to CONNECT is not HTTP: {e}"
                )))
            }
        }
    }
}

/// A connection as hyper sees it: TLS or plain, with its reads budgeted ([`READ_BUDGET`]),
/// and a [`ConnHandle`] in its `Connected` extras.
pub(crate) struct Conn {
    io: TokioIo<Budgeted>,
    handle: ConnHandle,
}

impl Conn {
    fn new(stream: Box<dyn Stream>, h2: bool, socket: Socket) -> Conn {
        Conn {
            io: TokioIo::new(Budgeted::new(stream)),
            handle: ConnHandle(Arc::new(Handle {
                socket: std::sync::Mutex::new(Some(socket)),
                h2,
                last_answer_ms: std::sync::atomic::AtomicU64::new(0),
                waiting: std::sync::atomic::AtomicUsize::new(0),
            })),
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Before the socket closes (the fields drop after this): a handle must never shut down
        // a descriptor number the process has since reused.
        *self
            .handle
            .0
            .socket
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        // Through a proxy too, requests are origin-form: every proxied connection is a tunnel.
        let connected = Connected::new().extra(self.handle.clone());
        if self.handle.0.h2 {
            connected.negotiated_h2()
        } else {
            connected
        }
    }
}

/// What a call holds of the connection it went out on (through hyper-util's
/// `capture_connection`), so that giving up on an answer can end the connection at once —
/// even when no runtime drives it (a blocking binding's thread between calls), so the server
/// sees it go and no half-read answer stays behind.
#[derive(Clone)]
pub(crate) struct ConnHandle(Arc<Handle>);

pub(crate) struct Handle {
    /// The TCP socket, while the connection exists.
    socket: std::sync::Mutex<Option<Socket>>,
    h2: bool,
    /// When an answer's head last arrived on it (ms on [`now_ms`]'s clock).
    last_answer_ms: std::sync::atomic::AtomicU64,
    /// Calls whose exchange on it has not finished.
    waiting: std::sync::atomic::AtomicUsize,
}

impl ConnHandle {
    pub(crate) fn h2(&self) -> bool {
        self.0.h2
    }

    pub(crate) fn wait(&self) {
        self.0
            .waiting
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// One call less; how many still wait.
    pub(crate) fn done_waiting(&self) -> usize {
        self.0
            .waiting
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel)
            .saturating_sub(1)
    }

    pub(crate) fn answered(&self) {
        self.0
            .last_answer_ms
            .store(now_ms(), std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn answered_since(&self, ms: u64) -> bool {
        self.0
            .last_answer_ms
            .load(std::sync::atomic::Ordering::Relaxed)
            >= ms
    }

    /// End the connection now: both directions of its socket shut down (the descriptor
    /// itself is closed by its owner, when hyper next looks at the connection and drops it).
    pub(crate) fn shut_down(&self) {
        if let Some(socket) = &*self.0.socket.lock().unwrap_or_else(|p| p.into_inner()) {
            socket.shut_down();
        }
    }
}

/// Milliseconds since this process first asked (a monotonic clock).
pub(crate) fn now_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A TCP socket's descriptor, to shut it down from outside the task that owns it.
#[derive(Clone, Copy)]
struct Socket(#[cfg(unix)] std::os::fd::RawFd);

impl Socket {
    fn of(tcp: &TcpStream) -> Socket {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            Socket(tcp.as_raw_fd())
        }
        #[cfg(not(unix))]
        {
            let _ = tcp;
            Socket()
        }
    }

    fn shut_down(self) {
        #[cfg(unix)]
        // SAFETY: the descriptor is open — `Conn::drop` forgets it, under the same lock, before
        // the socket is closed — and shutdown(2) only changes the connection's state.
        unsafe {
            libc::shutdown(self.0, libc::SHUT_RDWR);
        }
    }
}

/// A stream that, after [`READ_BUDGET`] bytes read without a read that would block, answers
/// `Pending` until the runtime has had its turn: Tokio's `yield_now`, whose wake-up comes
/// after the runtime looked at its I/O and timers (a plain self-wake would come first on a
/// busy current-thread runtime, which checks timers only every 61 tasks). Its writes are
/// gathered ([`GATHER`]).
struct Budgeted {
    inner: Box<dyn Stream>,
    left: usize,
    yielding: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    /// Written by hyper, not yet by us (at most [`GATHER`] bytes).
    unsent: Vec<u8>,
    /// A flush found `unsent` filled and let the runtime run once; the next one writes it.
    held: bool,
}

impl Budgeted {
    fn new(inner: Box<dyn Stream>) -> Budgeted {
        Budgeted {
            inner,
            left: READ_BUDGET,
            yielding: None,
            unsent: Vec::new(),
            held: false,
        }
    }

    /// Write out `unsent`.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.unsent.is_empty() {
            let n = std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, &self.unsent))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.unsent.drain(..n);
        }
        self.held = false;
        Poll::Ready(Ok(()))
    }

    /// Whether `len` more bytes fit in `unsent`; if they would not, `unsent` is written out
    /// first (`Pending` while it is being written).
    fn poll_room(&mut self, cx: &mut Context<'_>, len: usize) -> Poll<io::Result<bool>> {
        if self.unsent.len().saturating_add(len) > GATHER {
            std::task::ready!(self.poll_drain(cx))?;
        }
        Poll::Ready(Ok(len <= GATHER))
    }
}

impl AsyncRead for Budgeted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.left == 0 {
            let yielding = self
                .yielding
                .get_or_insert_with(|| Box::pin(tokio::task::yield_now()));
            if yielding.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.yielding = None;
            self.left = READ_BUDGET;
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        match polled {
            Poll::Ready(Ok(())) => {
                let read = buf.filled().len() - before;
                self.left = self.left.saturating_sub(read);
            }
            Poll::Pending => self.left = READ_BUDGET,
            Poll::Ready(Err(_)) => {}
        }
        polled
    }
}

impl AsyncWrite for Budgeted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        if std::task::ready!(me.poll_room(cx, buf.len()))? {
            me.unsent.extend_from_slice(buf);
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut me.inner).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        let len = bufs.iter().fold(0usize, |n, b| n.saturating_add(b.len()));
        if std::task::ready!(me.poll_room(cx, len))? {
            for b in bufs {
                me.unsent.extend_from_slice(b);
            }
            return Poll::Ready(Ok(len));
        }
        Pin::new(&mut me.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        // Gathered writes take slices as they come; larger ones go to a stream that is.
        true
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = &mut *self;
        if !me.unsent.is_empty() && !me.held {
            // One turn for the body task to add its DATA frame to the same write.
            me.held = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        std::task::ready!(me.poll_drain(cx))?;
        Pin::new(&mut me.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = &mut *self;
        std::task::ready!(me.poll_drain(cx))?;
        Pin::new(&mut me.inner).poll_shutdown(cx)
    }
}

impl hyper::rt::Read for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A stream that records each write it is given.
    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<Vec<u8>>>>);

    impl AsyncRead for Recorder {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    impl AsyncWrite for Recorder {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.0.lock().unwrap().push(buf.to_vec());
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn writes(rec: &Recorder) -> Vec<usize> {
        rec.0.lock().unwrap().iter().map(Vec::len).collect()
    }

    #[test]
    fn a_head_and_a_body_flushed_one_turn_apart_are_one_write() {
        let rec = Recorder::default();
        let mut io = Budgeted::new(Box::new(rec.clone()));
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut io = Pin::new(&mut io);
        assert!(matches!(
            io.as_mut().poll_write(&mut cx, &[1; 480]),
            Poll::Ready(Ok(480))
        ));
        // The connection's task flushes its HEADERS frame: held for one turn.
        assert!(io.as_mut().poll_flush(&mut cx).is_pending());
        assert!(writes(&rec).is_empty());
        // The body task's DATA frame, then the next flush writes both at once.
        let data = [io::IoSlice::new(&[2; 9]), io::IoSlice::new(&[3; 70])];
        assert!(matches!(
            io.as_mut().poll_write_vectored(&mut cx, &data),
            Poll::Ready(Ok(79))
        ));
        assert!(matches!(
            io.as_mut().poll_flush(&mut cx),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(writes(&rec), [559]);
        assert_eq!(rec.0.lock().unwrap()[0][480..489], [2; 9]);
        // Nothing left: a flush now is immediate, and the next write is held again.
        assert!(matches!(
            io.as_mut().poll_flush(&mut cx),
            Poll::Ready(Ok(()))
        ));
        assert!(matches!(
            io.as_mut().poll_write(&mut cx, &[4; 10]),
            Poll::Ready(Ok(10))
        ));
        assert!(io.as_mut().poll_flush(&mut cx).is_pending());
        assert!(matches!(
            io.as_mut().poll_flush(&mut cx),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(writes(&rec), [559, 10]);
    }

    #[test]
    fn large_writes_go_out_directly_after_what_was_gathered() {
        let rec = Recorder::default();
        let mut io = Budgeted::new(Box::new(rec.clone()));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut io = Pin::new(&mut io);
        assert!(matches!(
            io.as_mut().poll_write(&mut cx, &[1; 100]),
            Poll::Ready(Ok(100))
        ));
        let big = vec![5; GATHER + 1];
        assert!(
            matches!(io.as_mut().poll_write(&mut cx, &big), Poll::Ready(Ok(n)) if n == GATHER + 1)
        );
        // In order: the gathered bytes first, then the large write itself.
        assert_eq!(writes(&rec), [100, GATHER + 1]);
        // A shutdown writes out what is gathered before it.
        assert!(matches!(
            io.as_mut().poll_write(&mut cx, &[6; 7]),
            Poll::Ready(Ok(7))
        ));
        assert!(matches!(
            io.as_mut().poll_shutdown(&mut cx),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(writes(&rec), [100, GATHER + 1, 7]);
    }
}
