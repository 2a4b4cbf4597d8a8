//! What a merchant calls, on top of [`crate::Client`]: the catalogue of typed calls, the
//! [`Operation`](operation::Operation) every binding runs, closing orders, files and platform
//! certificates.

pub mod catalogue;
pub mod certificates;
pub mod close;
mod execute;
pub mod files;
pub mod operation;
