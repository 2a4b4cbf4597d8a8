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
#![warn(missing_docs)]

pub mod aead;
pub mod boundary;
pub mod certificates;
pub mod client;
pub mod close;
pub mod config;
pub mod error;
pub mod events;
pub mod files;
pub mod fuzzing;
pub mod keys;
pub mod notify;
pub mod operation;
pub mod options;
pub mod process;
pub mod response;
pub mod sensitive;
pub mod sign;
mod tls;
pub mod transport;
pub mod uri;

pub use client::{
    Client, CloseEndpoint, CloseOrder, OrderRef, PreparedRequest, Response, Transport,
};
pub use config::Config;
pub use error::{ApiError, Error, ErrorKind, Result, VerifyFailure};
pub use events::{Event, EventKind, EventSink};
pub use files::{DownloadOptions, DownloadSpec, Downloaded, UploadFile, UploadSource};
pub use notify::{Answer, Notification};
pub use operation::Operation;
pub use options::RequestOptions;
pub use sensitive::EncryptedField;
pub use sign::{Clock, FixedClock, FixedNonce, NonceSource, Signer, Verifier};
