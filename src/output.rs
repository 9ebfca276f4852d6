//! Where a command's output goes: a file, or stdout.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Writes to the file, or to stdout for `None` and `-`.
pub fn write(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
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
