//! Faults (issue 15): the synthetic-dataset cache trusts only a private folder and files whose
//! hashes it recorded, and clears what killed generations leave; every file `--out` names is
//! either the previous one, untouched, or the new one, whole.

use crate::harness::{repo, Run, Workdir, BIN};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs udfald in the repository with `env` set and the cache variables removed unless `env`
/// sets them, so the test decides where the cache is.
fn udfald_in(args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(repo())
        .env_remove("UDFALD_SYNTH_CACHE")
        .env_remove("XDG_CACHE_HOME");
    command.envs(env.iter().copied());
    finish(command)
}

fn finish(mut command: Command) -> Run {
    let output = command.output().expect("run udfald");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs udfald as a full disk would let it: no file may grow past `kib` KiB (bash's `ulimit -f`;
/// the signal a process gets for it is ignored, so each write past the limit fails with EFBIG, as
/// it would with ENOSPC). Root is held to the limit too, unlike to file permissions.
fn udfald_on_a_full_disk(kib: u32, args: &[&str]) -> Run {
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args)
        .current_dir(repo());
    finish(command)
}

/// A small scenario with a fixed size and seed, and a query on it by project.
const SCENARIO: &str = "name = \"faults\"\npersons = 120\nseed = 5\n\
    [[projects]]\nname = \"P1\"\npersons = 80\n[[projects]]\nname = \"P2\"\npersons = 40\n";

/// Writes the scenario and a query on it; returns the query's path.
fn scenario_query(work: &Workdir) -> String {
    work.write("faults.toml", SCENARIO);
    work.write(
        "q.toml",
        "name = \"q\"\ntitle = \"t\"\ndataset = \"faults.toml\"\nmetric = \"share_ever\"\n\
         group_by = [\"project\"]\n[window]\nfrom = 0\n\
         [params]\nstatus = \"paid_hours\"\nfollowup = \"available\"\n",
    );
    work.file("q.toml").display().to_string()
}

/// The one dataset folder in a cache.
fn cached_dataset(cache: &Path) -> PathBuf {
    let folders: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    folders[0].clone()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o7777
}

/// This machine's name as udfald's partial folders record it.
fn host() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn a_truncated_cached_file_is_generated_again_with_the_fresh_results() {
    let work = Workdir::empty();
    let query = scenario_query(&work);
    let cache = work.file("cache");
    let env = [("UDFALD_SYNTH_CACHE", cache.as_path())];
    let args = ["run", &query, "--format", "csv"];
    let fresh = udfald_in(&args, &env).expect_status(0);
    let dataset = cached_dataset(&cache);
    let record = std::fs::read_to_string(dataset.join("cache.sha256")).unwrap();
    for file in ["dataset.toml", "cohort.csv", "dream.csv", "income.csv"] {
        assert!(record.contains(&format!("  {file}\n")), "{record}");
    }
    // Cut at a line break, the file still reads as a dataset: only the hash tells.
    let income = dataset.join("income.csv");
    let text = std::fs::read_to_string(&income).unwrap();
    let half: Vec<&str> = text.lines().take(text.lines().count() / 2).collect();
    std::fs::write(&income, half.join("\n") + "\n").unwrap();
    let again = udfald_in(&args, &env).expect_status(0);
    again.stderr_has(&[
        &format!(
            "udfald: the cached dataset {} is not as generated: income.csv changed; generating it again\n",
            dataset.display()
        ),
        "udfald: generated",
    ]);
    assert_eq!(again.stdout, fresh.stdout);
    assert_eq!(std::fs::read_to_string(&income).unwrap(), text);
    // A missing file, or a missing record, is no better.
    std::fs::remove_file(dataset.join("dream.csv")).unwrap();
    udfald_in(&args, &env)
        .expect_status(0)
        .stderr_has(&["not as generated: dream.csv is missing; generating it again"]);
    std::fs::remove_file(dataset.join("cache.sha256")).unwrap();
    let last = udfald_in(&args, &env).expect_status(0);
    last.stderr_has(&["cache.sha256, the record of its files' hashes, is missing"]);
    assert_eq!(last.stdout, fresh.stdout);
    // Once whole, it is used as it is.
    let used = udfald_in(&args, &env).expect_status(0);
    assert!(!used.stderr.contains("generat"), "{}", used.stderr);
    assert_eq!(cached_dataset(&cache), dataset);
}

#[test]
fn a_cache_folder_others_can_write_in_is_refused() {
    let work = Workdir::empty();
    let query = scenario_query(&work);
    let cache = work.file("cache");
    let env = [("UDFALD_SYNTH_CACHE", cache.as_path())];
    let args = ["run", &query, "--format", "csv"];
    let fresh = udfald_in(&args, &env).expect_status(0);
    // Another user plants a dataset of their own (the tiny one) under the expected name, in a
    // cache folder that lets them.
    let dataset = cached_dataset(&cache);
    for entry in std::fs::read_dir(repo().join("data-samples/tiny")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dataset.join(entry.file_name())).unwrap();
    }
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let refused = format!(
        "{query}: dataset {}: the synthetic-data cache {} can be written by other users (mode 0777); udfald uses no dataset another user could have placed there; set UDFALD_SYNTH_CACHE to a folder of your own (the cache was chosen by UDFALD_SYNTH_CACHE), or make it private: chmod 700 {}",
        work.file("faults.toml").display(),
        cache.display(),
        cache.display()
    );
    udfald_in(&args, &env).expect_error(1, &refused);
    // Group-writable is as bad.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o770)).unwrap();
    udfald_in(&args, &env)
        .expect_status(1)
        .stderr_has(&["can be written by other users (mode 0770)"]);
    // Made private, the planted files fail their hashes and the dataset is generated again.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    let run = udfald_in(&args, &env).expect_status(0);
    run.stderr_has(&["generating it again"]);
    assert_eq!(run.stdout, fresh.stdout);
    // A cache folder another user owns is refused too (only root can give a folder away).
    if std::fs::metadata(work.path()).unwrap().uid() == 0 {
        std::os::unix::fs::chown(&cache, Some(65534), None).unwrap();
        udfald_in(&args, &env)
            .expect_status(1)
            .stderr_has(&["belongs to user 65534, not to you (user 0)"]);
    }
}

#[test]
fn a_new_cache_folder_is_private_and_per_user() {
    let work = Workdir::empty();
    let query = scenario_query(&work);
    let args = ["run", &query, "--format", "csv"];
    let xdg = work.file("xdg");
    udfald_in(&args, &[("XDG_CACHE_HOME", xdg.as_path())]).expect_status(0);
    let cache = xdg.join("udfald/synth");
    assert_eq!(mode(&cache), 0o700);
    assert_eq!(mode(&xdg.join("udfald")), 0o700);
    assert!(cached_dataset(&cache).join("cache.sha256").is_file());
    // Without XDG_CACHE_HOME, under the home folder.
    let home = work.file("home");
    udfald_in(&args, &[("HOME", home.as_path())]).expect_status(0);
    assert_eq!(mode(&home.join(".cache/udfald/synth")), 0o700);
}

#[test]
fn partial_folders_of_killed_generations_are_removed() {
    let work = Workdir::empty();
    let query = scenario_query(&work);
    let cache = work.file("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    let plant = |name: &str| {
        let dir = cache.join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("dream.csv"), "pnr,y_2101\nP1,7").unwrap();
        dir
    };
    // A process that has ended, on this machine.
    let mut child = Command::new("true").spawn().unwrap();
    let ended = child.id();
    child.wait().unwrap();
    let killed = plant(&format!(
        ".faults-0123456789abcdef.{ended}@{}.partial",
        host()
    ));
    // Another machine's, untouched for two hours (say, on a shared home folder).
    let idle = plant(".faults-0123456789abcdef.77@elsewhere.partial");
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for path in [idle.join("dream.csv"), idle.clone()] {
        std::fs::File::open(&path)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
    }
    // Being written right now: by this test process, alive; and another machine's, recent.
    let live = plant(&format!(
        ".faults-0123456789abcdef.{}@{}.partial",
        std::process::id(),
        host()
    ));
    let busy = plant(".faults-0123456789abcdef.78@elsewhere.partial");
    udfald_in(
        &["run", &query, "--format", "csv"],
        &[("UDFALD_SYNTH_CACHE", cache.as_path())],
    )
    .expect_status(0);
    assert!(!killed.exists() && !idle.exists());
    assert!(live.exists() && busy.exists());
    // And the run's own partial folder became the dataset.
    let left: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

/// Files in a folder whose names say they are udfald's temporary files.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".udfald-tmp"))
        .collect()
}

#[test]
fn temporary_files_of_a_killed_run_are_removed_by_the_next() {
    // A generation killed by SIGKILL, which runs no cleanup, while its files are half written;
    // then the same command again.
    let work = Workdir::empty();
    let out = work.file("synth");
    let args = [
        "synth",
        "--persons",
        "20000",
        "--seed",
        "3",
        "--out",
        out.to_str().unwrap(),
    ];
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !out.exists() || temporaries(&out).is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the generation ended before a temporary file was seen"
        );
        assert!(started.elapsed().as_secs() < 60);
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let left = temporaries(&out);
    assert!(!left.is_empty());
    let pid = child.id().to_string();
    assert!(
        left.iter().all(|name| name.contains(&format!("@{pid}-"))),
        "{left:?}"
    );
    crate::harness::udfald(&args).expect_status(0);
    assert_eq!(temporaries(&out), Vec::<String>::new());
    for file in ["cohort.csv", "dream.csv", "income.csv", "dataset.toml"] {
        assert!(out.join(file).is_file(), "{file}");
    }
}

#[test]
fn a_failed_write_leaves_the_previous_output_whole() {
    let work = Workdir::with_sample("tiny");
    let query = work.query("group_by = [\"arm\"]\n[params]\nfollowup = \"available\"\n");
    let data = work.path().to_str().unwrap().to_string();
    let out = work.file("result.json");
    let out_text = out.to_str().unwrap();
    let args = [
        "run", &query, "--data", &data, "--format", "json", "--out", out_text,
    ];
    udfald_on_a_full_disk(1024, &args).expect_status(0);
    let good = work.read("result.json");
    assert!(good.len() > 2048, "{} bytes", good.len());
    // The disk fills up: the new result cannot be written whole, and the old one stays.
    udfald_on_a_full_disk(2, &args)
        .expect_status(1)
        .stderr_has(&[&format!(
            "udfald: error: cannot write {out_text}: File too large"
        )]);
    assert_eq!(work.read("result.json"), good);
    // The provenance manifest likewise (beside a CSV result, smaller than the limit).
    let manifest = work.file("run.json");
    let manifest_text = manifest.to_str().unwrap();
    let csv = work.file("result.csv");
    let with_manifest = [
        "run",
        &query,
        "--data",
        &data,
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
        "--provenance",
        manifest_text,
    ];
    udfald_on_a_full_disk(1024, &with_manifest).expect_status(0);
    let good_manifest = work.read("run.json");
    assert!(work.read("result.csv").len() < 1024 && good_manifest.len() > 2048);
    udfald_on_a_full_disk(1, &with_manifest)
        .expect_status(1)
        .stderr_has(&[&format!("cannot write {manifest_text}: File too large")]);
    assert_eq!(work.read("run.json"), good_manifest);

    // The person-level panel, as CSV and as Parquet.
    for name in ["panel.csv", "panel.parquet"] {
        let panel = work.file(name);
        let panel_text = panel.to_str().unwrap();
        let args = ["panel", "--data", &data, "--out", panel_text];
        udfald_on_a_full_disk(1024, &args).expect_status(0);
        let good = std::fs::read(&panel).unwrap();
        assert!(good.len() > 4096, "{name}: {} bytes", good.len());
        udfald_on_a_full_disk(4, &args)
            .expect_status(1)
            .stderr_has(&[&format!("writing {panel_text}")]);
        assert_eq!(std::fs::read(&panel).unwrap(), good, "{name}");
    }

    // A synthetic dataset written into a folder: every file stays as it was.
    let synth = work.file("synth");
    let synth_text = synth.to_str().unwrap();
    let synth_args = |persons: &'static str| {
        [
            "synth",
            "--persons",
            persons,
            "--seed",
            "3",
            "--out",
            synth_text,
        ]
    };
    udfald_on_a_full_disk(1 << 20, &synth_args("20")).expect_status(0);
    let files = ["dataset.toml", "cohort.csv", "dream.csv", "income.csv"];
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(synth.join(f)).unwrap())
        .collect();
    udfald_on_a_full_disk(64, &synth_args("400"))
        .expect_status(1)
        .stderr_has(&["File too large"]);
    for (file, bytes) in files.iter().zip(&before) {
        assert_eq!(&std::fs::read(synth.join(file)).unwrap(), bytes, "{file}");
    }
    for dir in [work.path(), synth.as_path()] {
        assert_eq!(temporaries(dir), Vec::<String>::new(), "{}", dir.display());
    }
}
