//! What a call did, attempt by attempt: one structured [`Event`] when an attempt is sent, one
//! when it ends (with the status, the `Request-ID`, the time it took, the outcome and whether
//! the client retries), and one when the call ends. For a payment team on call: which request,
//! which attempt, what WeChat Pay answered and when.
//!
//! Events go to [`tracing`] (target `wxpay`: an ended attempt that will be retried at `WARN`,
//! everything else at `DEBUG`) and to the [`EventSink`] of the client the call was made with
//! ([`Client::with_events`](crate::Client::with_events)); the bindings turn them into each
//! language's logging and hooks. When neither listens, no event is built: a call pays one
//! check of a flag.
//!
//! An event holds no body, no header value other than `Request-ID`, no query string and no key
//! material: the method, the URL's path, numbers and codes. Text from the server (`Request-ID`,
//! the API error code) is bounded and its control characters escaped.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{Error, PreparedRequest, Response};

/// Receives a client's events, on the thread that runs the call (a runtime's thread for an
/// async call). It must return quickly and must not call the client.
pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// Longest server-supplied text (`Request-ID`, API error code) an event carries, in characters.
pub const MAX_EVENT_TEXT: usize = 128;

/// When an event happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// An attempt is about to be sent (signed, not yet written).
    Request,
    /// An attempt ended: an answer arrived, or it failed.
    Response,
    /// The call ended (after its last attempt, verification and the call's success rule).
    Call,
}

impl EventKind {
    /// `request`, `response` or `call`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Request => "request",
            EventKind::Response => "response",
            EventKind::Call => "call",
        }
    }
}

/// One thing a call did. See the module's documentation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Numbers the calls of this process (1, 2, …): every event of one call carries its number.
    pub call: u64,
    /// Upper-case method.
    pub method: String,
    /// The URL's path (no query string, no host).
    pub path: String,
    /// The attempt, from 1; for [`EventKind::Call`] the number of attempts made.
    pub attempt: u32,
    /// The HTTP status, when an answer arrived.
    pub status: Option<u16>,
    /// The answer's `Request-ID` (bounded, escaped), to quote to WeChat Pay support.
    pub request_id: Option<String>,
    /// How long the attempt (or the whole call) took; `None` for [`EventKind::Request`].
    pub duration: Option<Duration>,
    /// `OK`, or the error code (`API`, `TIMEOUT`, `VERIFY`, …); `None` for
    /// [`EventKind::Request`].
    pub outcome: Option<&'static str>,
    /// WeChat Pay's error code for an `API` outcome (bounded, escaped), e.g. `SYSTEM_ERROR`.
    pub api_code: Option<String>,
    /// For [`EventKind::Response`]: whether the client sends the request again.
    pub will_retry: bool,
    /// For a retried attempt: how long the client waits before the next one.
    pub retry_in: Option<Duration>,
}

fn bounded(text: &str) -> String {
    crate::error::quote_n(text, MAX_EVENT_TEXT)
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

impl Event {
    /// The event as JSON, the form every binding hands on: `kind`, `call`, `method`, `path`,
    /// `attempt`, `status`, `request_id`, `duration_ms`, `outcome`, `api_code`, `will_retry`,
    /// `retry_in_ms` (absent values are `null`), and `summary` ([`Event::summary`]).
    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind.as_str(),
            "call": self.call,
            "method": self.method,
            "path": self.path,
            "attempt": self.attempt,
            "status": self.status,
            "request_id": self.request_id,
            "duration_ms": self.duration.map(millis),
            "outcome": self.outcome,
            "api_code": self.api_code,
            "will_retry": self.will_retry,
            "retry_in_ms": self.retry_in.map(millis),
            "summary": self.summary(),
        })
    }

    /// One line for a log, the same in every language, e.g.
    /// `wxpay call 7: POST /v3/refund/domestic/refunds attempt 1: 503 API SYSTEM_ERROR in
    /// 12.3 ms, Request-ID 08F0…; retrying in 180 ms`.
    pub fn summary(&self) -> String {
        use std::fmt::Write;
        let mut line = format!("wxpay call {}: {} {}", self.call, self.method, self.path);
        match self.kind {
            EventKind::Request => {
                let _ = write!(line, " attempt {} sent", self.attempt);
            }
            EventKind::Response | EventKind::Call => {
                if self.kind == EventKind::Response {
                    let _ = write!(line, " attempt {}:", self.attempt);
                } else {
                    line.push_str(" done:");
                }
                if let Some(status) = self.status {
                    let _ = write!(line, " {status}");
                }
                let _ = write!(line, " {}", self.outcome.unwrap_or("OK"));
                if let Some(code) = &self.api_code {
                    let _ = write!(line, " {code}");
                }
                if let Some(d) = self.duration {
                    let _ = write!(line, " in {} ms", millis(d));
                }
                if self.kind == EventKind::Call {
                    let s = if self.attempt == 1 { "" } else { "s" };
                    let _ = write!(line, " after {} attempt{s}", self.attempt);
                }
                if let Some(id) = &self.request_id {
                    let _ = write!(line, ", Request-ID {id}");
                }
                if self.will_retry {
                    match self.retry_in {
                        Some(d) => {
                            let _ = write!(line, "; retrying in {} ms", millis(d));
                        }
                        None => line.push_str("; retrying"),
                    }
                }
            }
        }
        line
    }

    /// The level a log should give it: `WARN` for an attempt that is retried, else `DEBUG`.
    pub fn is_warning(&self) -> bool {
        self.will_retry
    }

    fn trace(&self) {
        macro_rules! emit {
            ($level:expr) => {
                tracing::event!(
                    target: "wxpay",
                    $level,
                    kind = self.kind.as_str(),
                    call = self.call,
                    method = %self.method,
                    path = %self.path,
                    attempt = self.attempt,
                    status = self.status,
                    request_id = self.request_id.as_deref(),
                    duration_ms = self.duration.map(millis),
                    outcome = self.outcome,
                    api_code = self.api_code.as_deref(),
                    will_retry = self.will_retry,
                    retry_in_ms = self.retry_in.map(millis),
                    "{}",
                    self.summary()
                )
            };
        }
        if self.is_warning() {
            emit!(tracing::Level::WARN);
        } else {
            emit!(tracing::Level::DEBUG);
        }
    }
}

static NEXT_CALL: AtomicU64 = AtomicU64::new(1);

/// The events of one call in progress; does nothing when nobody listens.
pub(crate) struct Observer<'a> {
    sink: Option<&'a EventSink>,
    on: bool,
    call: u64,
    start: Option<Instant>,
    attempts: AtomicU32,
    /// The status and `Request-ID` of the last attempt that got an answer.
    last_answer: std::sync::Mutex<Option<(u16, Option<String>)>>,
    method: &'a str,
    path: &'a str,
}

/// Whether anything listens to `tracing` events of target `wxpay` (cheap when nothing does:
/// one load of tracing's global level).
fn tracing_listens() -> bool {
    tracing::enabled!(target: "wxpay", tracing::Level::WARN)
}

impl<'a> Observer<'a> {
    pub(crate) fn new(sink: Option<&'a EventSink>, prepared: &'a PreparedRequest) -> Self {
        let on = sink.is_some() || tracing_listens();
        Observer {
            sink,
            on,
            call: if on {
                NEXT_CALL.fetch_add(1, Ordering::Relaxed)
            } else {
                0
            },
            start: on.then(Instant::now),
            attempts: AtomicU32::new(0),
            last_answer: std::sync::Mutex::new(None),
            method: prepared.method.as_str(),
            path: prepared.url.path(),
        }
    }

    fn event(&self, kind: EventKind, attempt: u32) -> Event {
        Event {
            kind,
            call: self.call,
            method: self.method.to_owned(),
            path: self.path.to_owned(),
            attempt,
            status: None,
            request_id: None,
            duration: None,
            outcome: None,
            api_code: None,
            will_retry: false,
            retry_in: None,
        }
    }

    fn emit(&self, event: &Event) {
        event.trace();
        if let Some(sink) = self.sink {
            sink(event);
        }
    }

    /// An attempt is sent; the time it started, for [`Observer::attempt_ended`].
    pub(crate) fn attempt_started(&self) -> Option<Instant> {
        let attempt = self
            .attempts
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        if !self.on {
            return None;
        }
        self.emit(&self.event(EventKind::Request, attempt));
        Some(Instant::now())
    }

    /// An attempt started at `started` ended with `status`, `request_id` and `error`.
    pub(crate) fn attempt_ended(
        &self,
        started: Option<Instant>,
        answer: Option<(u16, Option<&str>)>,
        error: Option<&Error>,
        retry_in: Option<Duration>,
    ) {
        let Some(started) = started else { return };
        let mut e = self.event(EventKind::Response, self.attempts.load(Ordering::Relaxed));
        e.duration = Some(started.elapsed());
        fill(&mut e, answer, error);
        if let Some(status) = e.status {
            let raw_id = answer.map_or_else(|| error.and_then(Error::request_id), |a| a.1);
            *self.last_answer.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((status, raw_id.map(str::to_owned)));
        }
        e.will_retry = retry_in.is_some();
        e.retry_in = retry_in;
        self.emit(&e);
    }

    /// The call ended with `outcome`; hands it back.
    pub(crate) fn finish(&self, outcome: crate::Result<Response>) -> crate::Result<Response> {
        match &outcome {
            Ok(r) => self.call_ended(Some((r.status(), r.request_id())), None),
            Err(err) => self.call_ended(None, Some(err)),
        }
        outcome
    }

    /// A call that returns no [`Response`] ended (`error` when it failed): the status and
    /// `Request-ID` are the error's, else the last answer's.
    pub(crate) fn finish_with(&self, error: Option<&Error>) {
        if !self.on {
            return;
        }
        let last = self
            .last_answer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match error {
            Some(err) if err.status().is_some() => self.call_ended(None, Some(err)),
            _ => {
                let answer = last.as_ref().map(|(s, id)| (*s, id.as_deref()));
                self.call_ended(answer, error);
            }
        }
    }

    fn call_ended(&self, answer: Option<(u16, Option<&str>)>, error: Option<&Error>) {
        if let Some(start) = self.start {
            let mut e = self.event(EventKind::Call, self.attempts.load(Ordering::Relaxed));
            e.duration = Some(start.elapsed());
            fill(&mut e, answer, error);
            self.emit(&e);
        }
    }
}

/// The events of a one-attempt call of `prepared` that got `response`, through the same code a
/// real call runs (for the criterion benchmark `events`: what a call pays when nobody listens,
/// and when a sink does).
#[doc(hidden)]
pub fn one_attempt_call(
    prepared: &PreparedRequest,
    sink: Option<&EventSink>,
    response: Response,
) -> crate::Result<Response> {
    let observer = Observer::new(sink, prepared);
    let started = observer.attempt_started();
    observer.attempt_ended(
        started,
        Some((response.status(), response.request_id())),
        None,
        None,
    );
    observer.finish(Ok(response))
}

fn fill(e: &mut Event, answer: Option<(u16, Option<&str>)>, error: Option<&Error>) {
    let (status, request_id) = match (answer, error) {
        (Some(a), _) => a,
        (None, Some(err)) => (err.status().unwrap_or(0), err.request_id()),
        (None, None) => (0, None),
    };
    e.status = (status != 0).then_some(status);
    e.request_id = request_id.map(bounded);
    e.outcome = Some(error.map_or("OK", Error::code));
    e.api_code = error
        .and_then(Error::api)
        .filter(|a| !a.code.is_empty())
        .map(|a| bounded(&a.code));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Event {
        Event {
            kind: EventKind::Response,
            call: 7,
            method: "POST".into(),
            path: "/v3/refund/domestic/refunds".into(),
            attempt: 1,
            status: Some(503),
            request_id: Some("08F0".into()),
            duration: Some(Duration::from_micros(12_345)),
            outcome: Some("API"),
            api_code: Some("SYSTEM_ERROR".into()),
            will_retry: true,
            retry_in: Some(Duration::from_millis(180)),
        }
    }

    #[test]
    fn summary_and_json() {
        let e = sample();
        assert_eq!(
            e.summary(),
            "wxpay call 7: POST /v3/refund/domestic/refunds attempt 1: 503 API SYSTEM_ERROR in 12.345 ms, Request-ID 08F0; retrying in 180 ms"
        );
        let j = e.to_json();
        assert_eq!(j["kind"], "response");
        assert_eq!(j["duration_ms"], 12.345);
        assert_eq!(j["retry_in_ms"], 180.0);
        assert!(e.is_warning());
        let mut call = sample();
        call.kind = EventKind::Call;
        call.attempt = 2;
        call.will_retry = false;
        call.retry_in = None;
        call.status = Some(204);
        call.outcome = Some("OK");
        call.api_code = None;
        assert_eq!(
            call.summary(),
            "wxpay call 7: POST /v3/refund/domestic/refunds done: 204 OK in 12.345 ms after 2 attempts, Request-ID 08F0"
        );
    }

    #[test]
    fn server_text_is_bounded_and_escaped() {
        let mut e = sample();
        let err = Error::from_api(crate::ApiError {
            status: 500,
            code: "X\u{1b}[31m".repeat(100),
            request_id: Some("R\n".repeat(200)),
            ..Default::default()
        });
        fill(&mut e, None, Some(&err));
        let id = e.request_id.unwrap();
        assert!(!id.contains('\n') && id.len() < 1000, "{id}");
        let code = e.api_code.unwrap();
        assert!(!code.contains('\u{1b}'), "{code}");
    }
}
