//! The HTTP client under every call: hyper's pooled client (HTTP/2 where ALPN says so, else
//! HTTP/1.1) over [`super::connect`]'s connections. Owned here rather than taken from reqwest
//! so that the connection's reads are budgeted and informational answers are counted
//! (issue 28; ARCHITECTURE.md "A fast 1xx flood and the deadline").

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::Poll;

use bytes::Bytes;
use http::{HeaderMap, Method};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;

use hyper_util::client::legacy::connect::{capture_connection, CaptureConnection};

use super::connect::{now_ms, ConnHandle, ConnectError, Connector};

/// How many informational (1xx) answers may precede the final one. A request without
/// `Expect: 100-continue` (wxpay never sends one) may see a `103 Early Hints` or two from a
/// gateway; nothing real sends more than a handful. Past this, the server is not answering,
/// and the call ends at once with a `TRANSPORT` error rather than waiting for the deadline.
pub(crate) const MAX_INFORMATIONAL: u32 = 8;

/// A connection pool and how it connects. Cheap to clone (shared).
#[derive(Clone)]
pub(crate) struct Http {
    client: Client<Connector, Full<Bytes>>,
    first: Arc<FirstConnections>,
}

/// The first connection to each host: while it is being made, other calls to that host wait
/// for it instead of each opening their own — hyper's pool cannot know before ALPN whether the
/// host speaks HTTP/2, so a cold burst of 64 calls used to open 64 connections where one h2
/// connection serves them all. Once a host has had a connection, calls go straight on.
#[derive(Default)]
struct FirstConnections(std::sync::Mutex<std::collections::HashMap<String, First>>);

enum First {
    /// Being made; its maker notifies when it is up or gave up.
    Making(Arc<tokio::sync::Notify>),
    /// This host has had a connection.
    Made,
}

/// The call making a host's first connection: [`Maker::made`] when it is up; dropped
/// before that (an error, the deadline), the next waiting call makes it instead.
struct Maker {
    first: Arc<FirstConnections>,
    host: String,
    done: bool,
}

impl FirstConnections {
    /// Wait while another call makes `host`'s first connection; `Some` if this call is to
    /// make it.
    async fn turn(self: &Arc<Self>, host: &str) -> Option<Maker> {
        loop {
            let notify = {
                let mut hosts = self.0.lock().unwrap_or_else(|p| p.into_inner());
                match hosts.get(host) {
                    Some(First::Made) => return None,
                    Some(First::Making(notify)) => notify.clone(),
                    None => {
                        let notify = Arc::new(tokio::sync::Notify::new());
                        hosts.insert(host.to_owned(), First::Making(notify));
                        return Some(Maker {
                            first: self.clone(),
                            host: host.to_owned(),
                            done: false,
                        });
                    }
                }
            };
            let notified = notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            // Re-checked under the lock: the maker may have finished before `enable`.
            let still_making = matches!(
                self.0
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(host),
                Some(First::Making(n)) if Arc::ptr_eq(n, &notify)
            );
            if still_making {
                notified.await;
            }
        }
    }

    fn settle(&self, host: &str, made: bool) {
        let mut hosts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let was = if made {
            hosts.insert(host.to_owned(), First::Made)
        } else {
            hosts.remove(host)
        };
        if let Some(First::Making(notify)) = was {
            notify.notify_waiters();
        }
    }
}

impl Maker {
    /// The connection is up (`failed` false), or the call ended without one.
    fn made_or_not(&mut self, failed: bool) {
        if !self.done {
            self.done = true;
            self.first.settle(&self.host, !failed);
        }
    }
}

impl Drop for Maker {
    fn drop(&mut self) {
        if !self.done {
            self.first.settle(&self.host, false);
        }
    }
}

/// An answer whose head arrived; its body is read with [`Response::chunk`].
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    body: hyper::body::Incoming,
    giving_up: GiveUp,
}

/// Ends the connection of an exchange dropped before it finished ([`ConnHandle::shut_down`]):
/// an HTTP/1.1 connection always (it cannot carry another request anyway). An HTTP/2
/// connection on which no answer arrived while this call waited for its head (a stuck or
/// hostile peer) is poisoned — the pool never hands it out again — and shut down by the last
/// call waiting on it; one slow stream among answered ones is only reset (by h2).
struct GiveUp {
    captured: Option<CaptureConnection>,
    /// The connection, once hyper picked it (counted in its `waiting`).
    on: Option<ConnHandle>,
    since_ms: u64,
    /// Still waiting for the head (else for the end of the body).
    head: bool,
}

impl GiveUp {
    /// Note the connection hyper picked (it does so while the request future is polled).
    fn notice(&mut self) -> Option<&ConnHandle> {
        if self.on.is_none() {
            let captured = self.captured.as_ref()?;
            let meta = captured.connection_metadata();
            let connected = meta.as_ref()?;
            let mut extras = http::Extensions::new();
            connected.get_extras(&mut extras);
            let handle = extras.get::<ConnHandle>()?.clone();
            handle.wait();
            self.on = Some(handle);
        }
        self.on.as_ref()
    }

    fn finished(&mut self) {
        if let Some(handle) = self.on.take() {
            handle.done_waiting();
        }
        self.captured = None;
    }
}

impl Drop for GiveUp {
    fn drop(&mut self) {
        self.notice();
        let Some(handle) = self.on.take() else { return };
        let others = handle.done_waiting();
        let stuck = self.head && !handle.answered_since(self.since_ms);
        if handle.h2() && !stuck {
            return;
        }
        if handle.h2() {
            if let Some(captured) = &self.captured {
                if let Some(connected) = captured.connection_metadata().as_ref() {
                    connected.poison();
                }
            }
            if others > 0 {
                return;
            }
        }
        handle.shut_down();
    }
}

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum HttpError {
    /// The request could not be made from these parts (nothing was sent).
    Build(String),
    /// No connection (nothing was sent).
    Connect(ConnectError),
    /// More than [`MAX_INFORMATIONAL`] informational answers (the connection is dropped).
    Informational,
    /// The exchange failed; whether the request was sent is unknown.
    Exchange(String),
}

impl Http {
    pub(crate) fn new(connector: Connector) -> Http {
        let client = Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .pool_idle_timeout(std::time::Duration::from_secs(50))
            .build(connector);
        Http {
            client,
            first: Arc::default(),
        }
    }

    /// Send a request and wait for the final answer's head.
    pub(crate) async fn send<'a>(
        &self,
        method: Method,
        url: &url::Url,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        body: Bytes,
    ) -> Result<Response, HttpError> {
        let uri: http::Uri = url
            .as_str()
            .parse()
            .map_err(|e| HttpError::Build(format!("the URL: {e}")))?;
        let mut req = http::Request::new(Full::new(body));
        *req.method_mut() = method;
        *req.uri_mut() = uri;
        for (name, value) in headers {
            let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                HttpError::Build(format!(
                    "`{}` is not a header name",
                    crate::error::quote_n(name, 64)
                ))
            })?;
            let value = http::HeaderValue::from_str(value).map_err(|_| {
                HttpError::Build(format!(
                    "the value of header `{name}` has characters a header cannot carry"
                ))
            })?;
            req.headers_mut().append(name, value);
        }
        let seen = Arc::new(Informational::default());
        let counter = seen.clone();
        hyper::ext::on_informational(&mut req, move |_| counter.one_more());
        // Whatever ends this future before the answer's head (the deadline, too many 1xx, an
        // error) ends its connection too, unless other calls are getting answers on it (h2).
        let mut giving_up = GiveUp {
            captured: Some(capture_connection(&mut req)),
            on: None,
            since_ms: now_ms(),
            head: true,
        };
        let host = format!(
            "{}://{}",
            req.uri().scheme_str().unwrap_or_default(),
            req.uri()
                .authority()
                .map(|a| a.as_str())
                .unwrap_or_default()
        );
        let mut maker = self.first.turn(&host).await;
        let mut answer = std::pin::pin!(self.client.request(req));
        let mut too_many = std::pin::pin!(seen.too_many.notified());
        let res = std::future::poll_fn(|cx| {
            if too_many.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(HttpError::Informational));
            }
            let polled = answer.as_mut().poll(cx).map_err(classify);
            if giving_up.notice().is_some() || polled.is_ready() {
                // The connection is up (or the call ended): the others may go on.
                if let Some(maker) = maker.as_mut() {
                    maker.made_or_not(polled.is_ready() && giving_up.on.is_none());
                }
            }
            polled
        })
        .await?;
        if let Some(handle) = giving_up.notice() {
            handle.answered();
        }
        // Until the body has been read to its end.
        giving_up.head = false;
        let (parts, body) = res.into_parts();
        Ok(Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
            giving_up,
        })
    }
}

#[derive(Default)]
struct Informational {
    count: AtomicU32,
    too_many: tokio::sync::Notify,
}

impl Informational {
    fn one_more(&self) {
        if self.count.fetch_add(1, Ordering::Relaxed).saturating_add(1) > MAX_INFORMATIONAL {
            self.too_many.notify_one();
        }
    }
}

fn classify(e: hyper_util::client::legacy::Error) -> HttpError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
    while let Some(err) = source {
        if let Some(connect) = err.downcast_ref::<ConnectError>() {
            return HttpError::Connect(connect.clone());
        }
        source = err.source();
    }
    if e.is_connect() {
        return HttpError::Connect(ConnectError::Failed(super::error_chain(&e)));
    }
    HttpError::Exchange(super::error_chain(&e))
}

impl Response {
    /// The next piece of the body; `None` at its end (trailers are skipped).
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, String> {
        loop {
            match self.body.frame().await {
                None => {
                    self.giving_up.finished();
                    return Ok(None);
                }
                Some(Err(e)) => return Err(super::error_chain(&e)),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if !data.is_empty() {
                            return Ok(Some(data));
                        }
                    }
                }
            }
        }
    }
}
