//! A client for the Hotjar REST API, with an offline fake of the API for tests and demos.
//!
//! The core (everything but the `python` module) knows nothing of Python: a Rust program can
//! use [`HotjarClient`] directly. The `python` feature adds the PyO3 bindings that the
//! `hotjar_client` Python package is built from.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use hotjar_client::{ClientConfig, HotjarClient, Id, IdKind};
//! let client = HotjarClient::new(ClientConfig::new("client-id", "client-secret"))?;
//! let site = Id::parse(IdKind::Site, "987654")?;
//! for survey in client.list_surveys(&site, false).await? {
//!     println!("{}", survey["name"]);
//! }
//! # Ok(()) }
//! ```

pub mod auth;
pub mod client;
pub mod config;
pub mod endpoint;
pub mod error;
pub mod export;
pub mod fake;
pub mod gdpr;
pub mod ids;
pub mod many;
pub mod page;
pub mod pagination;
pub mod per_key;
pub mod progress;
pub mod rate_limit;
pub mod retry;
pub mod table;
pub mod timestamps;
pub mod transport;
mod work_queue;

#[cfg(feature = "python")]
mod python;

#[cfg(test)]
mod fuzz;

pub use client::{ClientStats, HotjarClient, TokenInfo};
pub use config::{ClientConfig, Secret};
pub use error::{Error, ErrorKind, ExportError, Result};
pub use ids::{Id, IdKind};
