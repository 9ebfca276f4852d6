//! The readers: the first byte chooses a file of a copy of the tiny dataset (the manifest, the
//! cohort, DREAM, the income register or a code table), the rest replaces it; the dataset is
//! then opened, loaded (stopping at problems, and dropping invalid rows) and, when it loads,
//! built into a panel. Errors are the expected outcome; a panic or an abort is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;
use udfald::dataset::Dataset;
use udfald::load::{self, LoadOptions};
use udfald::panel::{self, PanelOptions};
use udfald::progress::Progress;

const TINY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data-samples/tiny");

/// One folder per process, holding tiny's files; each input rewrites one of them and the next
/// restores it.
fn folder() -> &'static PathBuf {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("udfald-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fn restore(dir: &PathBuf) {
    for entry in std::fs::read_dir(TINY).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let _ = std::fs::remove_file(dir.join("codes.csv"));
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let dir = folder();
    restore(dir);
    let name = match choice % 5 {
        0 => "dataset.toml",
        1 => "cohort.csv",
        2 => "dream.csv",
        3 => "income.csv",
        _ => {
            // A code table of the dataset's own, named in the manifest.
            let manifest = std::fs::read_to_string(dir.join("dataset.toml")).unwrap();
            std::fs::write(
                dir.join("dataset.toml"),
                format!("codes = \"codes.csv\"\n{manifest}"),
            )
            .unwrap();
            "codes.csv"
        }
    };
    std::fs::write(dir.join(name), bytes).unwrap();
    let Ok(dataset) = Dataset::open(dir) else {
        return;
    };
    for drop_invalid in [false, true] {
        let options = LoadOptions {
            drop_invalid,
            max_problems: 50,
        };
        if let Ok(loaded) = load::load(&dataset, &options, &Progress::quiet()) {
            let _ = panel::build(loaded, &PanelOptions::default(), &Progress::quiet());
        }
    }
});
