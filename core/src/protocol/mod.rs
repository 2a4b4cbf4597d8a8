//! WeChat Pay's rules without I/O: signing requests and verifying answers, key material,
//! AES-256-GCM, sensitive fields, notifications, and the shapes of requests and answers.

pub mod aead;
pub mod keys;
pub mod notify;
pub mod pay_params;
pub mod platform_keys;
pub mod request;
pub mod response;
pub mod sensitive;
pub mod sign;
