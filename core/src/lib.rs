//! # wxpay — one WeChat Pay APIv3 client
//!
//! Signs APIv3 requests (`WECHATPAY2-SHA256-RSA2048`), verifies WeChat Pay's response
//! signatures and makes calls over HTTPS: any endpoint through URI templates with the PHP SDK's
//! options, and typed conveniences such as closing an order.
//!
//! ```no_run
//! # async fn demo() -> wxpay::Result<()> {
//! let config = wxpay::Config::from_file("wxpay.json")?;
//! let client = wxpay::Client::new(&config)?;
//! let options = wxpay::RequestOptions::from_json(r#"{
//!     "base_uri": "https://api.mch.weixin.qq.com/hk/",
//!     "transaction_id": "1217752501201407033233368018",
//!     "json": {"mchid": "1230000109"}
//! }"#)?;
//! let response = client.request("POST", "v3/transactions/id/{transaction_id}/close", &options).await?;
//! assert_eq!(response.status(), 204);
//! # Ok(()) }
//! ```
//!
//! The client needs a Tokio runtime (time and I/O enabled) and never creates one itself.
//!
//! Building: this repository's C, PHP, Python and Node libraries are built with
//! `AWS_LC_SYS_NO_JITTER_ENTROPY=1` (its `.cargo/config.toml`), so that AWS-LC seeds its random
//! generator from the operating system instead of running its CPU-jitter collector's ~35 ms
//! start-up test in each process's first signature. Set the same variable when you build an
//! application on this crate whose processes are short-lived (ARCHITECTURE.md, "Randomness").
#![warn(missing_docs)]

// The folders are the architecture (ARCHITECTURE.md, "Core modules"), from the ground up:
// - `transport`: getting bytes there and back (HTTPS set-up, connection pools, per-process
//   caches, the language boundary);
// - `protocol`: WeChat Pay's rules without I/O (signing, verification, keys, AES-GCM, sensitive
//   fields, notifications, the shapes of requests and answers);
// - `config`: what the caller configures and asks for (configuration, request options, URIs);
// - `client`: one merchant's client, built from configuration, signing and sending attempts;
// - `calls`: what a merchant calls (the catalogue of typed calls, operations, closing orders,
//   files, platform certificates), on top of the client.
// Each imports only from those before it, and from `error` and `events`.
pub mod calls;
pub mod client;
pub mod config;
pub mod error;
pub mod events;
pub mod fuzzing;
pub mod protocol;
pub mod transport;

// The modules' paths as they were before the folders (`wxpay::sign`, `wxpay::process`, …).
pub use calls::{certificates, close, files, operation};
pub use config::{options, uri};
pub use protocol::{aead, keys, notify, pay_params, response, sensitive, sign};
pub use transport::{boundary, process};

pub use calls::close::{CloseEndpoint, CloseOrder, OrderRef};
pub use client::{Client, PreparedRequest, Response, Transport};
pub use config::Config;
pub use error::{ApiError, Error, ErrorKind, Result, VerifyFailure};
pub use events::{Event, EventKind, EventSink};
pub use files::{DownloadOptions, DownloadSpec, Downloaded, UploadFile, UploadSource};
pub use notify::{Answer, Notification};
pub use operation::Operation;
pub use options::RequestOptions;
pub use pay_params::{PayInput, PayKind};
pub use sensitive::EncryptedField;
pub use sign::{Clock, FixedClock, FixedNonce, NonceSource, Signer, Verifier};
