//! The one error type of the core: a kind a caller can branch on, the HTTP status when there was
//! one, and a message written for the person who has to act on it.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

/// What went wrong, coarse enough to branch on. The Python bindings map each kind to one
/// exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input or settings, found before any request was sent.
    Configuration,
    /// A deletion without `confirm`: nothing was sent (a kind of configuration error).
    ConfirmationRequired,
    /// The credentials or the token were refused (token endpoint 400/401/403, API 401).
    Authentication,
    /// 403 from the API: plan, scope, or a resource outside the key's organization.
    PermissionDenied,
    /// 404: unknown site, survey or organization.
    NotFound,
    /// 429 after every retry.
    RateLimited,
    /// 5xx after every retry.
    Server,
    /// Another 4xx: the server rejected the request's parameters.
    BadRequest,
    /// The network: connect, TLS, timeout, reset.
    Transport,
    /// A body that is not what the API promises.
    InvalidResponse,
    /// The client was closed.
    Closed,
    /// An export file could not be created, written or renamed.
    File,
    /// More data than one in-memory table can hold.
    TooLarge,
}

/// An error from the core. `Display` is the message shown to users; it never contains a secret.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    status: Option<u16>,
    message: String,
    retry_after: Option<Duration>,
    /// Whether the request that failed may be sent again (used by the retry loop only).
    pub(crate) retryable: bool,
    /// For a file error: the file, and what the operating system said.
    file: Option<Box<FileDetail>>,
}

/// What a file error knows of its cause, as Python's `OSError` holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDetail {
    /// The file the error concerns.
    pub filename: PathBuf,
    /// The operating system's error number, when the cause was a system call.
    pub errno: Option<i32>,
    /// The kind of I/O error, when known (e.g. `PermissionDenied`, `WouldBlock`).
    pub io_kind: Option<io::ErrorKind>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            status: None,
            message: message.into(),
            retry_after: None,
            retryable: false,
            file: None,
        }
    }

    /// A file error (`ErrorKind::File`) about `filename`, with the I/O error behind it when
    /// there was one.
    pub(crate) fn file(
        message: impl Into<String>,
        filename: &Path,
        cause: Option<&io::Error>,
    ) -> Self {
        let mut error = Self::new(ErrorKind::File, message);
        error.file = Some(Box::new(FileDetail {
            filename: filename.to_path_buf(),
            errno: cause.and_then(io::Error::raw_os_error),
            io_kind: cause.map(io::Error::kind),
        }));
        error
    }

    /// The same file error, of this I/O kind (for a cause that is no `io::Error`).
    pub(crate) fn with_io_kind(mut self, kind: io::ErrorKind) -> Self {
        if let Some(detail) = &mut self.file {
            detail.io_kind = Some(kind);
        }
        self
    }

    /// For a file error: the file and the operating system's cause.
    pub fn file_detail(&self) -> Option<&FileDetail> {
        self.file.as_deref()
    }

    /// An error for bad input, raised before anything is sent.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Configuration, message)
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    pub(crate) fn retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    pub(crate) fn append(mut self, extra: &str) -> Self {
        self.message.push_str(extra);
        self
    }

    /// The same error with another message (to add what a caller knows, e.g. where the
    /// partial export was kept).
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status of the response that caused the error, if there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The message, meant for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For rate limiting: how long the server asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A paginated export that failed part way: the error, everything fetched before it, and the
/// cursor of the first page that was not fetched, so that nothing already fetched is lost.
/// `T` is what was kept: JSON values, a table, or a file on disk.
#[derive(Debug, Clone)]
pub struct ExportError<T = Vec<Value>> {
    pub error: Error,
    pub partial: T,
    /// Pass this back as `resume_cursor` to continue where the export stopped; `None` means
    /// start from the beginning (the first page failed).
    pub resume_cursor: Option<String>,
}

impl<T> fmt::Display for ExportError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)
    }
}

impl<T: fmt::Debug> std::error::Error for ExportError<T> {}

/// The message a server put in an error body, read leniently because the real shape is
/// undocumented (`msg`, `message`, `error_description`, `error`, or plain text).
pub(crate) fn server_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
        for key in ["msg", "message", "error_description", "error"] {
            if let Some(Value::String(s)) = map.get(key) {
                if !s.trim().is_empty() {
                    return Some(truncate(s.trim(), 300));
                }
            }
        }
        return None;
    }
    if text.starts_with('<') {
        // An HTML error page from a proxy says nothing useful in a one-line message.
        return None;
    }
    Some(truncate(text, 300))
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_message_reads_every_known_shape() {
        assert_eq!(server_message(br#"{"msg":"a"}"#).as_deref(), Some("a"));
        assert_eq!(
            server_message(br#"{"error":"forbidden","message":"no plan"}"#).as_deref(),
            Some("no plan")
        );
        assert_eq!(
            server_message(br#"{"error":"invalid_client","error_description":"bad"}"#).as_deref(),
            Some("bad")
        );
        assert_eq!(server_message(br#"{"error":"x"}"#).as_deref(), Some("x"));
        assert_eq!(server_message(b"plain text").as_deref(), Some("plain text"));
        assert_eq!(server_message(b"<html>502</html>"), None);
        assert_eq!(server_message(b"  "), None);
        assert_eq!(server_message(br#"{"code":1}"#), None);
    }

    #[test]
    fn long_server_messages_are_cut_on_a_char_boundary() {
        let long = "é".repeat(400);
        let cut = server_message(long.as_bytes()).unwrap_or_default();
        assert_eq!(cut.chars().count(), 301);
        assert!(cut.ends_with('…'));
    }
}
