//! The cache of datasets generated from scenario files ([`materialise`]), for queries whose
//! `dataset` is a scenario. A cached dataset is trusted only as far as it can be checked:
//!
//! - **Where.** A folder of the user's own: `$UDFALD_SYNTH_CACHE`, else
//!   `$XDG_CACHE_HOME/udfald/synth`, else `~/.cache/udfald/synth`, else (no home)
//!   `<temp>/udfald-synth-<uid>`; created with mode 0700. A cache folder another user owns, or
//!   that others may write in, is refused: anyone who can write there could plant a dataset.
//! - **What.** Each dataset folder holds [`RECORD`], the SHA-256 of every file as generated; a
//!   dataset is used only when every file still has its hash, and is generated again (with a
//!   note) when one differs or is missing.
//! - **Leftovers.** A generation writes into a partial folder named after its host and process
//!   and renames it into place when complete; partial folders whose process is gone (on this
//!   host) or that nobody has written to for an hour are removed by the next run
//!   ([`crate::leftovers`]).
//!
//! Owns nothing outside the cache folder.

use super::{generate, simulate, Scenario, SynthFormat, SynthOptions};
use crate::error::DataError;
use crate::hash::file_hash;
use crate::leftovers::{abandoned, host, process_alive, Owner};
use crate::progress::Progress;
use anyhow::{Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The file in a cached dataset folder recording its files' hashes, as `sha256sum` writes them
/// (`<hex>  <file>` a line), so `sha256sum -c cache.sha256` checks it by hand too.
pub const RECORD: &str = "cache.sha256";

/// How long a cached dataset is spared after its last use.
const CACHE_GRACE: Duration = Duration::from_secs(600);

/// The dataset a scenario file describes, for a query whose `dataset` is the scenario: the
/// scenario must fix its persons (and may fix its seed, default 1). It is generated once into
/// the cache (see the module doc) and reused while the scenario text and the udfald binary are
/// unchanged and its files have the hashes recorded at generation; returns the folder.
///
/// A scenario that cannot be used is a usage error; a cache that cannot be trusted or written is
/// a plain error (exit 1).
pub fn materialise(scenario_path: &Path, progress: &Progress) -> Result<PathBuf> {
    let usage =
        |err: anyhow::Error| -> anyhow::Error { DataError::Usage(format!("{err:#}")).into() };
    let text = std::fs::read_to_string(scenario_path)
        .with_context(|| format!("cannot read scenario file {}", scenario_path.display()))
        .map_err(usage)?;
    let scenario = Scenario::from_toml_str(&text)
        .with_context(|| format!("scenario file {}", scenario_path.display()))
        .map_err(usage)?;
    let persons = scenario.total_persons().ok_or_else(|| {
        DataError::Usage(format!(
            "scenario file {}: a scenario used as a query's dataset must set persons",
            scenario_path.display()
        ))
    })?;
    let seed = scenario.seed.unwrap_or(1);
    simulate::Plan::new(&scenario, seed)
        .with_context(|| format!("scenario file {}", scenario_path.display()))
        .map_err(usage)?;
    // The binary's identity stands for the generator's code: a rebuilt udfald regenerates.
    let binary = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|meta| {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", meta.len())
        })
        .unwrap_or_default();
    let key =
        crate::hash::sha256(format!("{text}\u{0}{persons}\u{0}{seed}\u{0}{binary}").as_bytes());
    let cache = cache_dir()?;
    remove_abandoned_partials(&cache);
    let scenario_name = scenario.name.clone();
    let stem = format!("{scenario_name}-{}", &key[..16]);
    let out = cache.join(&stem);
    if out.join("dataset.toml").is_file() {
        match verify_once(&out) {
            Ok(()) => {
                mark_used(&out);
                return Ok(out);
            }
            Err(reason) => {
                progress.note(format!(
                    "the cached dataset {} is not as generated: {reason}; generating it again",
                    out.display()
                ));
                // Moved aside first, so the folder's name is free for a whole dataset.
                let aside = cache.join(partial_name(&stem, "discarded"));
                if std::fs::rename(&out, &aside).is_ok() {
                    let _ = std::fs::remove_dir_all(&aside);
                }
            }
        }
    }
    // Generated beside and renamed into place, so that concurrent runs never see half a dataset;
    // removed if the generation fails.
    let partial = Partial(cache.join(partial_name(&stem, "partial")));
    let generating = progress.step(format!(
        "generating {} ({persons} persons)",
        scenario_path.display()
    ));
    let summary = generate(&SynthOptions {
        format: SynthFormat::Csv,
        persons,
        seed,
        out: partial.0.clone(),
        scenario,
    })?;
    write_record(&partial.0, &summary.files)?;
    drop(generating);
    if std::fs::rename(&partial.0, &out).is_err() && verify(&out).is_err() {
        anyhow::bail!("cannot move the generated dataset to {}", out.display());
    }
    drop(partial);
    // Keep one dataset per scenario name: older ones came from an earlier file or binary. One
    // used in the last minutes may still be read by a concurrent run of that file or binary.
    let current = out.file_name().map(|name| name.to_os_string());
    let prefix = format!("{}-", scenario_name);
    for entry in std::fs::read_dir(&cache).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let stale = name.to_str().is_some_and(|n| {
            n.strip_prefix(&prefix)
                .is_some_and(|key| key.len() == 16 && key.bytes().all(|b| b.is_ascii_hexdigit()))
        }) && Some(&name) != current.as_ref()
            && !recently_used(&entry.path());
        if stale {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    progress.note(format!(
        "generated {} ({} persons, seed {seed}) into {}",
        scenario_path.display(),
        summary.persons,
        out.display()
    ));
    Ok(out)
}

/// A partial folder, removed when dropped (a failed generation leaves nothing; after a
/// successful rename there is nothing left to remove).
struct Partial(PathBuf);

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `.<stem>.<pid>@<host>.<kind>`: hidden, and naming the process that owns it.
fn partial_name(stem: &str, kind: &str) -> String {
    format!(".{stem}.{}@{}.{kind}", std::process::id(), host())
}

/// The cache folder, created private if missing, refused if it is not the user's own.
fn cache_dir() -> Result<PathBuf> {
    let (dir, how) = choose_dir(|name| std::env::var_os(name));
    create_private(&dir)
        .with_context(|| format!("cannot create the synthetic-data cache {}", dir.display()))?;
    check_private(&dir, how)?;
    Ok(dir)
}

/// The cache folder for an environment, and in words where the choice came from.
fn choose_dir(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> (PathBuf, &'static str) {
    let set = |name: &str| {
        env(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = set("UDFALD_SYNTH_CACHE") {
        return (dir, "UDFALD_SYNTH_CACHE");
    }
    // The XDG base directory spec: a relative path is invalid and ignored.
    if let Some(dir) = set("XDG_CACHE_HOME").filter(|dir| dir.is_absolute()) {
        return (dir.join("udfald").join("synth"), "XDG_CACHE_HOME");
    }
    if let Some(home) = set("HOME") {
        return (home.join(".cache").join("udfald").join("synth"), "HOME");
    }
    (
        std::env::temp_dir().join(format!("udfald-synth-{}", user_id().unwrap_or(0))),
        "the temporary folder (no HOME)",
    )
}

#[cfg(unix)]
fn create_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn user_id() -> Option<u32> {
    Some(rustix::process::geteuid().as_raw())
}

#[cfg(not(unix))]
fn user_id() -> Option<u32> {
    None
}

/// Refuses a cache folder another user owns or others may write in (a symbolic link is judged by
/// the folder it leads to).
#[cfg(unix)]
fn check_private(dir: &Path, how: &str) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir)
        .with_context(|| format!("cannot read the synthetic-data cache {}", dir.display()))?;
    let advice = format!(
        "udfald uses no dataset another user could have placed there; set UDFALD_SYNTH_CACHE to a folder of your own (the cache was chosen by {how})"
    );
    if !meta.is_dir() {
        anyhow::bail!(
            "the synthetic-data cache {} is not a folder; {advice}",
            dir.display()
        );
    }
    let me = user_id().unwrap_or(0);
    if meta.uid() != me {
        anyhow::bail!(
            "the synthetic-data cache {} belongs to user {}, not to you (user {me}); {advice}",
            dir.display(),
            meta.uid()
        );
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        anyhow::bail!(
            "the synthetic-data cache {} can be written by other users (mode {mode:04o}); {advice}, or make it private: chmod 700 {}",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_dir: &Path, _how: &str) -> Result<()> {
    Ok(())
}

/// Writes [`RECORD`]: the hash of each of `files` (in `dir`).
fn write_record(dir: &Path, files: &[PathBuf]) -> Result<()> {
    let mut record = String::new();
    for path in files {
        let name = path
            .file_name()
            .with_context(|| format!("{}: not a file", path.display()))?;
        let (_, hash) = file_hash(path)?;
        record.push_str(&format!("{hash}  {}\n", name.to_string_lossy()));
    }
    crate::output::write_file(&dir.join(RECORD), record.as_bytes())
}

/// [`verify`], once per folder and process: a run's queries on one scenario check it once.
fn verify_once(dir: &Path) -> std::result::Result<(), String> {
    static VERIFIED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let mut verified = VERIFIED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if verified.iter().any(|done| done == dir) {
        return Ok(());
    }
    verify(dir)?;
    verified.push(dir.to_path_buf());
    Ok(())
}

/// Whether every file [`RECORD`] lists still has its hash; otherwise what is not as generated.
fn verify(dir: &Path) -> std::result::Result<(), String> {
    let record = std::fs::read_to_string(dir.join(RECORD))
        .map_err(|_| format!("{RECORD}, the record of its files' hashes, is missing"))?;
    let mut manifest = false;
    for line in record.lines() {
        let (hash, name) = line
            .split_once("  ")
            .filter(|(hash, name)| {
                hash.len() == 64
                    && hash.bytes().all(|b| b.is_ascii_hexdigit())
                    && !name.is_empty()
                    && !name.contains(['/', '\\'])
                    && *name != ".."
            })
            .ok_or_else(|| format!("{RECORD} is damaged"))?;
        manifest |= name == crate::dataset::MANIFEST;
        match file_hash(&dir.join(name)) {
            Err(_) => return Err(format!("{name} is missing")),
            Ok((_, now)) if now != hash => return Err(format!("{name} changed")),
            Ok(_) => {}
        }
    }
    if !manifest {
        return Err(format!("{RECORD} is damaged"));
    }
    Ok(())
}

/// Removes the partial (and discarded) folders of generations that will never finish: see
/// [`abandoned`]. Anything it cannot judge or remove is left.
fn remove_abandoned_partials(cache: &Path) {
    let now = SystemTime::now();
    for entry in std::fs::read_dir(cache).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(owner) = name.to_str().and_then(partial_owner) else {
            continue;
        };
        let path = entry.path();
        if abandoned(&owner, last_written(&path), now, &host(), process_alive) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn partial_owner(name: &str) -> Option<Owner> {
    let rest = name.strip_prefix('.')?;
    let rest = rest
        .strip_suffix(".partial")
        .or_else(|| rest.strip_suffix(".discarded"))?;
    let (rest, host) = rest.rsplit_once('@')?;
    let (_, pid) = rest.rsplit_once('.')?;
    Some(Owner {
        pid: pid.parse().ok()?,
        host: host.to_string(),
    })
}

/// The latest modification time of a folder and the files in it.
fn last_written(dir: &Path) -> Option<SystemTime> {
    let own = std::fs::metadata(dir).and_then(|m| m.modified()).ok();
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.metadata().and_then(|m| m.modified()).ok())
        .chain(own)
        .max()
}

/// Records a use of a cached dataset in its manifest's modification time (its content, and so
/// its hash, stays).
fn mark_used(dataset: &Path) {
    let _ = File::options()
        .append(true)
        .open(dataset.join("dataset.toml"))
        .and_then(|file| file.set_modified(SystemTime::now()));
}

fn recently_used(dataset: &Path) -> bool {
    std::fs::metadata(dataset.join("dataset.toml"))
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|age| age < CACHE_GRACE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn the_cache_is_chosen_by_the_environment_in_order() {
        fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
            move |name| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| OsString::from(v))
            }
        }
        let all = [
            ("UDFALD_SYNTH_CACHE", "/c"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(choose_dir(env(&all)).0, PathBuf::from("/c"));
        assert_eq!(
            choose_dir(env(&all[1..])).0,
            PathBuf::from("/x/udfald/synth")
        );
        // A relative XDG_CACHE_HOME is invalid, and an empty variable is unset.
        let relative = [("XDG_CACHE_HOME", "x"), ("HOME", "/h")];
        assert_eq!(
            choose_dir(env(&relative)).0,
            PathBuf::from("/h/.cache/udfald/synth")
        );
        let empty = [("UDFALD_SYNTH_CACHE", ""), ("HOME", "/h")];
        assert_eq!(choose_dir(env(&empty)).1, "HOME");
        let (temp, how) = choose_dir(env(&[]));
        assert!(temp.starts_with(std::env::temp_dir()), "{temp:?}");
        assert!(temp
            .to_string_lossy()
            .contains(&format!("udfald-synth-{}", user_id().unwrap_or(0))));
        assert_eq!(how, "the temporary folder (no HOME)");
    }

    #[test]
    fn partial_names_parse_back() {
        let name = partial_name("star-2022-0123456789abcdef", "partial");
        assert_eq!(
            partial_owner(&name),
            Some(Owner {
                pid: std::process::id(),
                host: host()
            })
        );
        assert_eq!(
            partial_owner(".s-0123456789abcdef.42@node.example.dk.discarded"),
            Some(Owner {
                pid: 42,
                host: "node.example.dk".into()
            })
        );
        for other in [
            "s-0123456789abcdef",
            ".s-0123456789abcdef.42@node",
            ".s.x@node.partial",
            "cache.sha256",
        ] {
            assert_eq!(partial_owner(other), None, "{other}");
        }
    }

    #[test]
    fn verify_finds_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<PathBuf> = ["dataset.toml", "cohort.csv"]
            .iter()
            .map(|name| {
                let path = dir.path().join(name);
                std::fs::write(&path, format!("{name}\n")).unwrap();
                path
            })
            .collect();
        assert_eq!(
            verify(dir.path()),
            Err("cache.sha256, the record of its files' hashes, is missing".into())
        );
        write_record(dir.path(), &files).unwrap();
        assert_eq!(verify(dir.path()), Ok(()));
        std::fs::write(&files[1], "cohort.cs").unwrap();
        assert_eq!(verify(dir.path()), Err("cohort.csv changed".into()));
        std::fs::remove_file(&files[1]).unwrap();
        assert_eq!(verify(dir.path()), Err("cohort.csv is missing".into()));
        std::fs::write(dir.path().join(RECORD), "0  ../x\n").unwrap();
        assert_eq!(verify(dir.path()), Err("cache.sha256 is damaged".into()));
    }
}
