//! Where a command's output goes: a file, or stdout; and how every file udfald writes reaches its
//! place whole.
//!
//! A file is never written in place. [`AtomicFile`] writes beside the target under a unique
//! temporary name (same folder, so on the same file system), flushes it to disk and renames it
//! over the target only when complete: on a full disk, a killed run or any error, the target is
//! either the previous file, untouched, or the new one, never a truncated one. An uncommitted
//! temporary file is removed when dropped; one a killed process left (SIGKILL runs no drop) is
//! removed by the next write to the same target once abandoned ([`crate::leftovers`]). What is
//! not a regular file (`/dev/null`, a pipe) cannot be replaced by a rename and is written
//! directly.

use crate::leftovers::{abandoned, host, process_alive, Owner};
use anyhow::{Context, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// Writes to the file (atomically, see [`write_file`]), or to stdout for `None` and `-`.
pub fn write(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) if path.as_os_str() != "-" => write_file(path, bytes),
        _ => {
            // A closed pipe is the reader's choice (`cli` exits 0 quietly); a full disk is not.
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .context("cannot write to stdout")
        }
    }
}

/// Writes `bytes` to `path` through an [`AtomicFile`].
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |file| Ok(file.write_all(bytes)?))
}

/// Creates an [`AtomicFile`] for `path`, lets `fill` write it and commits it; when `fill` or the
/// commit fails, the temporary file is removed and `path` is left as it was.
pub fn write_with(path: &Path, fill: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    fill(file.file())
        .and_then(|()| file.commit())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Distinguishes the temporary files one process makes at the same time.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A file being written under a temporary name beside its target; see the module doc.
#[derive(Debug)]
pub struct AtomicFile {
    file: File,
    /// The temporary file; `None` when writing directly (a target that is not a regular file) or
    /// once committed.
    temp: Option<PathBuf>,
    /// Where the file goes: the target, with a symbolic link resolved (the link is written
    /// through, as a plain write would, not replaced).
    target: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file `.<name>.<host>@<pid>-<n>.udfald-tmp` in the target's folder,
    /// with the permissions of the file it will replace (when there is one), after removing the
    /// abandoned temporary files of earlier writes to the same target.
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let cannot = || format!("cannot write {}", target.display());
        let target = match std::fs::symlink_metadata(target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                std::fs::canonicalize(target).unwrap_or_else(|_| target.to_path_buf())
            }
            _ => target.to_path_buf(),
        };
        let existing = std::fs::metadata(&target).ok();
        if existing.as_ref().is_some_and(|meta| !meta.is_file()) {
            // `/dev/null`, a pipe: nothing to keep whole, and no rename could replace it.
            let file = File::create(&target).with_context(cannot)?;
            return Ok(AtomicFile {
                file,
                temp: None,
                target,
            });
        }
        let name = target
            .file_name()
            .with_context(|| format!("{}: not a file name", target.display()))?;
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = name.to_string_lossy();
        remove_abandoned_temps(&folder, &name);
        let temp = folder.join(format!(
            ".{name}.{}@{}-{}{TEMP_SUFFIX}",
            temp_host(),
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&temp)
            .with_context(cannot)?;
        let atomic = AtomicFile {
            file,
            temp: Some(temp),
            target,
        };
        if let Some(meta) = existing {
            // Best effort: a file someone made private stays private.
            let _ = atomic.file.set_permissions(meta.permissions());
        }
        Ok(atomic)
    }

    /// The file to write to.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The temporary file's path (the target's when written directly).
    pub fn path(&self) -> &Path {
        self.temp.as_deref().unwrap_or(&self.target)
    }

    /// Flushes the file to disk (so that a full disk is found here, not after the rename) and
    /// renames it over the target.
    pub fn commit(mut self) -> Result<()> {
        self.file.flush()?;
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        let done = self
            .file
            .sync_all()
            .and_then(|()| std::fs::rename(&temp, &self.target));
        if done.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        Ok(done?)
    }
}

const TEMP_SUFFIX: &str = ".udfald-tmp";

/// This host's name in temporary files' names: without dots, so that a write to `result` never
/// takes `.result.csv.<host>@…` for one of its own.
fn temp_host() -> String {
    host().replace('.', "_")
}

/// The host and process a temporary file's name gives, when it is one of a write to `name`.
fn temp_owner(file: &str, name: &str) -> Option<Owner> {
    let rest = file
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?
        .strip_suffix(TEMP_SUFFIX)?;
    let (host, rest) = rest.rsplit_once('@')?;
    if host.contains('.') {
        return None;
    }
    let (pid, n) = rest.split_once('-')?;
    n.parse::<u64>().ok()?;
    Some(Owner {
        pid: pid.parse().ok()?,
        host: host.to_string(),
    })
}

/// Removes the temporary files of writes to `name` in `folder` that killed processes left (see
/// [`abandoned`]). Anything it cannot judge or remove is left.
fn remove_abandoned_temps(folder: &Path, name: &str) {
    let now = SystemTime::now();
    let this_host = temp_host();
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let Some(owner) = entry
            .file_name()
            .to_str()
            .and_then(|file| temp_owner(file, name))
        else {
            continue;
        };
        let written = entry.metadata().and_then(|m| m.modified()).ok();
        if abandoned(&owner, written, now, &this_host, process_alive) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(temp) = &self.temp {
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails after `left` bytes, as a full disk does.
    fn failing_after(mut left: usize) -> impl FnOnce(&mut File) -> Result<()> {
        move |file| {
            for chunk in [b"new content ".as_slice(); 100] {
                if left < chunk.len() {
                    file.write_all(&chunk[..left])?;
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::StorageFull,
                        "no space left on device",
                    )
                    .into());
                }
                file.write_all(chunk)?;
                left -= chunk.len();
            }
            Ok(())
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_write_leaves_the_previous_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("result.csv");
        std::fs::write(&out, "good result\n").unwrap();
        let err = write_with(&out, failing_after(500)).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!("cannot write {}: no space left on device", out.display())
        );
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "good result\n");
        assert_eq!(names(dir.path()), ["result.csv"]);
        // Nothing before the failure is visible either when there was no file.
        let fresh = dir.path().join("fresh.csv");
        assert!(write_with(&fresh, failing_after(0)).is_err());
        assert_eq!(names(dir.path()), ["result.csv"]);
    }

    #[test]
    fn temporary_files_of_killed_writes_are_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let here = temp_host();
        // A process id no process can have (above any pid_max): gone.
        let gone = format!(".result.csv.{here}@2000000000-0.udfald-tmp");
        let mine = format!(".result.csv.{here}@{}-999.udfald-tmp", std::process::id());
        let elsewhere = ".result.csv.other-host@2000000000-0.udfald-tmp";
        let other_target = format!(".other.csv.{here}@2000000000-0.udfald-tmp");
        for leftover in [gone.as_str(), &mine, elsewhere, &other_target] {
            std::fs::write(dir.path().join(leftover), "half a resu").unwrap();
        }
        write_file(&dir.path().join("result.csv"), b"whole\n").unwrap();
        // The dead process's is gone; this process's own, another host's recent one and
        // another target's are left.
        let mut kept = vec![
            mine.clone(),
            elsewhere.to_string(),
            other_target.clone(),
            "result.csv".to_string(),
        ];
        kept.sort();
        assert_eq!(names(dir.path()), kept);
        assert_eq!(
            temp_owner(&gone, "result.csv"),
            Some(Owner {
                pid: 2_000_000_000,
                host: here
            })
        );
        assert_eq!(temp_owner(&gone, "result"), None);
        assert_eq!(
            temp_owner(".result.csv.h@12.udfald-tmp", "result.csv"),
            None
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_complete_write_replaces_the_file_and_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("result.csv");
        std::fs::write(&out, "old\n").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_with(&out, failing_after(usize::MAX)).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "new content ".repeat(100)
        );
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(names(dir.path()), ["result.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_written_through_and_a_device_directly() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, "old\n").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_file(&link, b"new\n").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new\n");
        write_file(Path::new("/dev/null"), b"nothing\n").unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
    }
}
