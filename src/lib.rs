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

// The modules are the crate's own; what a Rust user needs is re-exported below.
pub(crate) mod auth;
pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod endpoint;
pub(crate) mod error;
pub(crate) mod export;
pub(crate) mod gdpr;
pub(crate) mod ids;
pub(crate) mod many;
pub(crate) mod page_index;
pub(crate) mod pagination;
pub(crate) mod per_key;
pub(crate) mod pool;
pub(crate) mod progress;
pub(crate) mod rate_limit;
pub(crate) mod retry;
pub(crate) mod table;
pub(crate) mod timestamps;
pub(crate) mod transport;

#[cfg(feature = "python")]
mod python;

#[cfg(test)]
mod fuzz;

pub use client::{ClientStats, HotjarClient, TokenInfo};
pub use config::{ClientConfig, Secret};
pub use error::{Error, ErrorKind, ExportError, FileDetail, Result};
pub use export::{ExportRequest, ExportStart, ExportSummary, FileFormat};
pub use gdpr::{
    Action, BulkLookup, BulkRequest, BulkResult, LookupOutcome, MaskedSubject, Started, Subject,
};
pub use ids::{Id, IdKind};
pub use many::{ManyPages, ManyRequest, SurveyEvent, TableResult};
pub use pagination::{ResponsePage, ResponseStream};
pub use table::{Shape, SurveyPlan, TableRequest};
pub use timestamps::parse_since;
