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
/// undocumented: `{"msg"}`, `{"message"}`, OAuth's `{"error", "error_description"}`,
/// `{"detail"}` (a string, or a list of `{"msg"}` as FastAPI sends), a nested
/// `{"error": {"message"}}` or `{"errors": [{"message"}]}`, an HTML page (its `<title>`), or
/// plain text. `None` when the body says nothing (empty, or JSON without a message).
pub(crate) fn server_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return json_message(&value, 0).map(|m| truncate(&m, 300));
    }
    if text.starts_with('<') {
        // An HTML error page (from a proxy or a gateway): its title, e.g. "502 Bad Gateway".
        return html_title(text).map(|t| truncate(&t, 300));
    }
    Some(truncate(text, 300))
}

/// The best message in a JSON error body, in the order the API reference gives (§5).
fn json_message(value: &Value, depth: usize) -> Option<String> {
    let text = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    match value {
        Value::String(s) => text(&Value::String(s.clone())),
        Value::Object(map) if depth < 3 => {
            for key in [
                "msg",
                "message",
                "error_description",
                "detail",
                "error",
                "title",
            ] {
                let Some(field) = map.get(key) else { continue };
                let found = match field {
                    Value::String(_) => text(field),
                    Value::Object(_) | Value::Array(_) => json_message(field, depth + 1),
                    _ => None,
                };
                if found.is_some() {
                    return found;
                }
            }
            map.get("errors").and_then(|e| json_message(e, depth + 1))
        }
        Value::Array(items) if depth < 3 => {
            let messages: Vec<String> = items
                .iter()
                .filter_map(|item| json_message(item, depth + 1))
                .take(3)
                .collect();
            (!messages.is_empty()).then(|| messages.join("; "))
        }
        _ => None,
    }
}

/// The text of an HTML page's `<title>`, whitespace collapsed.
fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = html
        .get(start..end)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then_some(title)
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
        assert_eq!(
            server_message(br#"{"detail":"Not found."}"#).as_deref(),
            Some("Not found.")
        );
        assert_eq!(
            server_message(br#"{"detail":[{"loc":["q"],"msg":"bad limit"}]}"#).as_deref(),
            Some("bad limit")
        );
        assert_eq!(
            server_message(br#"{"error":{"code":403,"message":"no scope"}}"#).as_deref(),
            Some("no scope")
        );
        assert_eq!(
            server_message(br#"{"errors":[{"message":"a"},{"message":"b"}]}"#).as_deref(),
            Some("a; b")
        );
        assert_eq!(
            server_message(br#""just a string""#).as_deref(),
            Some("just a string")
        );
        assert_eq!(server_message(b"plain text").as_deref(), Some("plain text"));
        assert_eq!(server_message(b"<html>502</html>"), None);
        assert_eq!(
            server_message(b"<html><head><TITLE>502 Bad\n Gateway</TITLE></head></html>")
                .as_deref(),
            Some("502 Bad Gateway")
        );
        assert_eq!(server_message(b"<title></title>"), None);
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
