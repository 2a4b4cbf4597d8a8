//! Hostile servers: names whose TLS connections are not served as WeChat Pay but by a server
//! that keeps the client busy without ever answering (issue 28). Each reads one request, logs
//! it, then misbehaves for up to 30 s or until the client goes away. A client's deadline must
//! fire on time against every one of them, and it must drop the connection.
//!
//! [`Hostile::serve`] is public so a test can run the same servers over plain TCP.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// How long a hostile server keeps going when nobody hangs up.
const FOR_AT_MOST: Duration = Duration::from_secs(30);

/// What a hostile name does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hostile {
    /// `HTTP/1.1 100 Continue` heads, this many per write, as fast as the socket takes them.
    Flood { heads_per_write: usize },
    /// HTTP/2 informational (`100`) HEADERS frames: `burst` frames, then `pause_ms`.
    FloodH2 { burst: usize, pause_ms: u64 },
    /// A response head one byte every 2 ms, never finished.
    Trickle,
    /// `200 OK`, chunked, then 1-byte chunks forever in 64 KiB writes every 10 ms (≈ 1 MiB of
    /// body per second: under the client's body limit before its deadline, never an end).
    EndlessBody,
    /// `200 OK`, chunked, the last chunk, then trailer fields forever, as fast as the socket
    /// takes them.
    EndlessTrailer,
    /// HTTP/2: a HEADERS frame without END_HEADERS, then CONTINUATION frames forever.
    H2Continuation,
    /// HTTP/2: never an answer, only PING and WINDOW_UPDATE frames, as fast as they are taken.
    H2Ping,
}

/// The hostile names, what each does, and how RELIABILITY.md describes it.
pub const HOSTILE: &[(&str, Hostile)] = &[
    (
        "wxpay-flood.test",
        Hostile::Flood {
            heads_per_write: 64,
        },
    ),
    (
        "wxpay-flood-big.test",
        Hostile::Flood {
            heads_per_write: 10_000,
        },
    ),
    (
        "wxpay-flood-h2.test",
        Hostile::FloodH2 {
            burst: 64,
            pause_ms: 1,
        },
    ),
    (
        "wxpay-flood-h2-big.test",
        Hostile::FloodH2 {
            burst: 4096,
            pause_ms: 0,
        },
    ),
    ("wxpay-trickle.test", Hostile::Trickle),
    ("wxpay-endless-body.test", Hostile::EndlessBody),
    ("wxpay-endless-trailer.test", Hostile::EndlessTrailer),
    ("wxpay-h2-continuation.test", Hostile::H2Continuation),
    ("wxpay-h2-ping.test", Hostile::H2Ping),
];

/// What `name` does, if it is hostile.
pub fn by_name(name: &str) -> Option<Hostile> {
    HOSTILE.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// How a hostile server tells the sandbox it got a request (method, target).
pub type Log<'a> = &'a (dyn Fn(String, String) + Send + Sync);

impl Hostile {
    /// Whether it speaks HTTP/2 (ALPN `h2`) rather than HTTP/1.1.
    pub fn h2(self) -> bool {
        matches!(
            self,
            Hostile::FloodH2 { .. } | Hostile::H2Continuation | Hostile::H2Ping
        )
    }

    /// Serve one connection (already past TLS, if any).
    pub async fn serve<C>(self, conn: C, log: Log<'_>)
    where
        C: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let until = tokio::time::Instant::now() + FOR_AT_MOST;
        let _ = tokio::time::timeout_at(until, self.misbehave(conn, log)).await;
    }

    async fn misbehave<C>(self, mut conn: C, log: Log<'_>)
    where
        C: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        if self.h2() {
            return h2_misbehave(self, conn, log).await;
        }
        if !read_head(&mut conn, log).await {
            return;
        }
        // Until the client hangs up: a reader waits for its end of the connection.
        let (mut rd, mut conn) = tokio::io::split(conn);
        tokio::select! {
            _ = hung_up(&mut rd) => {}
            _ = self.h1_misbehave(&mut conn) => {}
        }
    }

    async fn h1_misbehave<C: AsyncWrite + Unpin>(self, mut conn: C) {
        match self {
            Hostile::Flood { heads_per_write } => {
                let block = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(heads_per_write);
                while write(&mut conn, &block).await {}
            }
            Hostile::Trickle => {
                let head = b"HTTP/1.1 200 OK\r\nX-Trickle: ";
                for byte in head.iter().chain(std::iter::repeat(&b'a')) {
                    if !write(&mut conn, std::slice::from_ref(byte)).await {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
            Hostile::EndlessBody => {
                let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                head_then_forever(&mut conn, head, b"1\r\nx\r\n", 10).await;
            }
            Hostile::EndlessTrailer => {
                let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: X-More\r\n\r\n2\r\n{}\r\n0\r\n";
                head_then_forever(&mut conn, head, b"X-More: more\r\n", 0).await;
            }
            Hostile::FloodH2 { .. } | Hostile::H2Continuation | Hostile::H2Ping => {}
        }
    }
}

/// Write `head`, then `unit` repeated in 64 KiB writes forever, `pause_ms` between writes.
async fn head_then_forever<C: AsyncWrite + Unpin>(
    conn: &mut C,
    head: &[u8],
    unit: &[u8],
    pause_ms: u64,
) {
    let block = unit.repeat(64 * 1024 / unit.len());
    if !write(conn, head).await {
        return;
    }
    while write(conn, &block).await {
        if pause_ms > 0 {
            tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        }
    }
}

/// Returns when the client has closed its side (or broken the connection); what it sends is
/// dropped.
async fn hung_up<C: AsyncRead + Unpin>(conn: &mut C) {
    let mut buf = vec![0u8; 16 * 1024];
    while matches!(conn.read(&mut buf).await, Ok(n) if n > 0) {}
}

async fn write<C: AsyncWrite + Unpin>(conn: &mut C, bytes: &[u8]) -> bool {
    conn.write_all(bytes).await.is_ok() && conn.flush().await.is_ok()
}

/// Read one HTTP/1.1 request head and log it; false if the client went away first.
async fn read_head<C: AsyncRead + Unpin>(conn: &mut C, log: Log<'_>) -> bool {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > 64 * 1024 {
            return false;
        }
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut first = text.lines().next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    log(method, target);
    true
}

/// The HTTP/2 servers: the h2 crate takes the connection and the first request (so the
/// request is logged as sent), then either keeps the stream busy with informational frames
/// ([`Hostile::FloodH2`]) or lets go of the connection and writes raw frames on it.
async fn h2_misbehave<C>(kind: Hostile, mut conn: C, log: Log<'_>)
where
    C: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let stream_id;
    {
        let Ok(mut h2conn) = h2::server::handshake(&mut conn).await else {
            return;
        };
        let Some(Ok((req, respond))) = h2conn.accept().await else {
            return;
        };
        log(
            req.method().to_string(),
            req.uri()
                .path_and_query()
                .map(|pq| pq.as_str().to_owned())
                .unwrap_or_default(),
        );
        if let Hostile::FloodH2 { burst, pause_ms } = kind {
            // Every request stream gets the flood; the connection is driven here (it writes
            // what the streams queue) until the client goes away.
            let mut flooding = vec![tokio::spawn(h2_flood(respond, burst, pause_ms))];
            while let Some(Ok((req, respond))) = h2conn.accept().await {
                log(req.method().to_string(), req.uri().path().to_owned());
                flooding.push(tokio::spawn(h2_flood(respond, burst, pause_ms)));
            }
            for task in flooding {
                task.abort();
            }
            return;
        }
        stream_id = respond.stream_id().as_u32();
        // Let the connection write what it queued (the SETTINGS acknowledgement) before its
        // socket is used for raw frames.
        let _ = tokio::time::timeout(Duration::from_millis(20), h2conn.accept()).await;
    }
    let (mut rd, mut wr) = tokio::io::split(conn);
    // Whatever the client sends (acknowledgements) is read and dropped, so it never blocks.
    let draining = hung_up(&mut rd);
    let flooding = async {
        match kind {
            Hostile::H2Continuation => {
                // HEADERS (type 1), no flags (no END_HEADERS): `:status: 200` (HPACK index 8).
                let first = frame(1, 0, stream_id, &[0x88]);
                // Then CONTINUATION (type 9) frames of literal fields, never END_HEADERS.
                let mut field = vec![0x00, 3];
                field.extend_from_slice(b"x-c");
                field.push(100);
                field.extend_from_slice(&[b'c'; 100]);
                let one = frame(9, 0, stream_id, &field.repeat(100));
                let block = one.repeat(8);
                if !write(&mut wr, &first).await {
                    return;
                }
                while write(&mut wr, &block).await {}
            }
            Hostile::H2Ping => {
                let mut one = frame(6, 0, 0, b"wxpayPNG");
                one.extend_from_slice(&frame(8, 0, 0, &1u32.to_be_bytes()));
                let block = one.repeat(64 * 1024 / one.len());
                while write(&mut wr, &block).await {}
            }
            _ => {}
        }
    };
    tokio::select! {
        _ = draining => {}
        _ = flooding => {}
    }
}

/// Informational `100` HEADERS frames on one stream: `burst`, then `pause_ms` (or a yield).
async fn h2_flood(
    mut respond: h2::server::SendResponse<bytes::Bytes>,
    burst: usize,
    pause_ms: u64,
) {
    loop {
        for _ in 0..burst {
            let interim = http::Response::builder()
                .status(100)
                .body(())
                .unwrap_or_default();
            if respond.send_informational(interim).is_err() {
                return;
            }
        }
        if pause_ms > 0 {
            tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
}

/// One HTTP/2 frame: 24-bit length, type, flags, stream id, payload.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = Vec::with_capacity(9 + payload.len());
    f.extend_from_slice(&len.to_be_bytes()[1..]);
    f.push(kind);
    f.push(flags);
    f.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    f.extend_from_slice(payload);
    f
}
