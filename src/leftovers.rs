//! What a udfald process killed mid-way leaves behind, and when it counts as abandoned: the cache's
//! partial dataset folders (`synth::cache`) and the temporary files beside an output
//! (`output::AtomicFile`). Each is named after its host and process; the next run that comes by
//! removes those whose process is gone, or that nobody has written to for [`IDLE`].

use std::time::{Duration, SystemTime};

/// How long a partial folder or temporary file may go unwritten before it counts as abandoned,
/// whichever host or process made it: far longer than any pause in a generation's or an
/// output's writing.
pub const IDLE: Duration = Duration::from_secs(3600);

/// The process and host a leftover's name gives.
#[derive(Debug, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    pub host: String,
}

/// A partial folder or temporary file is abandoned when its process, on this host, is gone (a
/// process id reused since only delays this), or when nothing in it has been written for
/// [`IDLE`] (another host's, whose processes cannot be seen from here). One that is being
/// written is never abandoned: a live process on this host keeps it, and a writer writes
/// continuously.
pub fn abandoned(
    owner: &Owner,
    last_written: Option<SystemTime>,
    now: SystemTime,
    this_host: &str,
    alive: impl Fn(u32) -> bool,
) -> bool {
    let idle = last_written
        .and_then(|t| now.duration_since(t).ok())
        .is_some_and(|idle| idle >= IDLE);
    idle || (owner.host == this_host && owner.pid != std::process::id() && !alive(owner.pid))
}

#[cfg(unix)]
pub fn process_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    // Signal 0 only asks: "not permitted" means a process of another user, alive.
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(err) => err == rustix::io::Errno::PERM,
    }
}

#[cfg(not(unix))]
pub fn process_alive(_pid: u32) -> bool {
    // Cannot tell: the idle rule alone applies.
    true
}

/// This machine's name, as leftovers' names record it (`-` when unknown). `@` and `/` are
/// replaced, so the name parses back.
pub fn host() -> String {
    #[cfg(unix)]
    let name = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    #[cfg(not(unix))]
    let name = std::env::var("COMPUTERNAME").unwrap_or_default();
    let name: String = name
        .chars()
        .map(|c| {
            if matches!(c, '@' | '/' | '\\') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if name.is_empty() {
        "-".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_is_abandoned_when_its_process_is_gone_or_it_lies_idle() {
        let now = SystemTime::now();
        let here = Owner {
            pid: 42,
            host: "here".into(),
        };
        let elsewhere = Owner {
            pid: 42,
            host: "there".into(),
        };
        let recent = Some(now - Duration::from_secs(5));
        let idle = Some(now - IDLE - Duration::from_secs(1));
        let (alive, gone) = (|_| true, |_| false);
        // Being written by a live process on this host: kept, however long it has run.
        assert!(!abandoned(&here, recent, now, "here", alive));
        // Its process is gone: removed at once.
        assert!(abandoned(&here, recent, now, "here", gone));
        // Another host's: only its idleness can be seen.
        assert!(!abandoned(&elsewhere, recent, now, "here", gone));
        assert!(abandoned(&elsewhere, idle, now, "here", alive));
        // Idle for an hour: abandoned even if a process has the id now.
        assert!(abandoned(&here, idle, now, "here", alive));
        // This very process's own partial is never judged gone.
        let mine = Owner {
            pid: std::process::id(),
            host: "here".into(),
        };
        assert!(!abandoned(&mine, recent, now, "here", gone));
        assert!(process_alive(std::process::id()));
    }
}
