//! One export at a time per target: an OS lock (`flock` on Unix, `LockFileEx` on Windows,
//! through `std::fs::File::try_lock`) on `<path>.lock`, held from before a partial export is
//! read until the export ends. A second process (or thread) exporting to the same path fails
//! at once with a file error of kind `WouldBlock` instead of two writers sharing one partial
//! file. The lock dies with its process, so a crash never leaves the path locked; the lock
//! file is removed at the end.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use super::os_file_error;
use crate::error::{Error, Result};

/// The held lock of one export target; released (and its file removed) when dropped. The
/// bindings lock the report CSV of a bulk GDPR run with it too.
#[derive(Debug)]
pub(crate) struct ExportLock {
    path: PathBuf,
    // Held for its lock, which closing the file releases.
    _file: File,
}

pub(crate) fn lock_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl ExportLock {
    /// Takes the lock of `target`, or fails at once if another `holder` (say, "export")
    /// holds it.
    pub fn take(target: &Path, holder: &str) -> Result<Self> {
        let path = lock_path(target);
        // The holder removes the file when it is done: a file locked after that is no longer
        // the one at the path, so take the new one (a few tries; each is a fresh race).
        for _ in 0..3 {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| os_file_error(&path, "create the lock file", &e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Err(busy(target, &path, holder)),
                Err(TryLockError::Error(e)) => {
                    return Err(os_file_error(&path, "lock", &e));
                }
            }
            if is_at(&file, &path) {
                return Ok(Self { path, _file: file });
            }
        }
        Err(busy(target, &path, holder))
    }
}

impl Drop for ExportLock {
    fn drop(&mut self) {
        // Removed while still locked, so no one takes a lock on a file about to go.
        let _ = fs::remove_file(&self.path);
    }
}

fn busy(target: &Path, lock: &Path, holder: &str) -> Error {
    Error::file(
        format!(
            "Another {holder} is using {:?} right now (it holds the lock {:?}): wait for it \
             to finish, then run again, or use another path.",
            target.display(),
            lock.display()
        ),
        target,
        None,
    )
    .with_io_kind(io::ErrorKind::WouldBlock)
}

/// Whether the open `file` is still the one at `path`.
#[cfg(unix)]
fn is_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_target_fails_until_the_first_is_released() {
        let dir = std::env::temp_dir().join(format!("hj-lock-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("out.csv");
        let first = ExportLock::take(&target, "export").unwrap();
        let second = ExportLock::take(&target, "export").unwrap_err();
        assert_eq!(
            second.file_detail().and_then(|d| d.io_kind),
            Some(io::ErrorKind::WouldBlock)
        );
        assert!(second.message().contains("Another export is using"));
        drop(first);
        assert!(!lock_path(&target).exists());
        drop(ExportLock::take(&target, "export").unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }
}
