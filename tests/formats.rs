//! `run --format xlsx` and `run --csv-dialect danish`: the workbook read back with calamine holds
//! the same figures as the CSV of the same run (counts as numbers, hidden cells as `.`), its
//! definitions and provenance sheets say what `explain` and the manifest say, identical runs give
//! identical bytes; the Danish CSV's exact bytes; what either refuses.

use crate::harness::{repo, udfald, Workdir, BY_ARM};
use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Queries that run on the tiny dataset at the default threshold, with counts, shares, means,
/// numbers, labels, text and hidden cells among them.
const TINY: &[&str] = &[
    "queries/months-to-employment-arm.toml",
    "queries/s0-t.toml",
    "queries/s1-t5.toml",
    "queries/s2-funnel.toml",
    "queries/s3-13wk.toml",
    "queries/s3-13wk-effect.toml",
    "queries/s4-f11.toml",
    "queries/s4-f6-bir.toml",
];

/// The first line of every sheet of a run with suppression off.
const NO_SUPPRESS: &str = "NOT FOR RELEASE: small-cell suppression is off (--no-suppress); every cell is shown, for local work only";

/// The legend under a table with hidden cells, after their count.
const HIDDEN: &str = "cell(s) suppressed (shown as .): fewer persons than the small-cell threshold of 5, or hidden with such a cell so that it cannot be worked out from the cells shown";

/// `run TINY --data data-samples/tiny` with `options`.
fn run_tiny(options: &[&str]) -> crate::harness::Run {
    let mut args = vec!["run"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--data", "data-samples/tiny"]);
    args.extend_from_slice(options);
    udfald(&args).expect_status(0)
}

/// A workbook's sheets by name, in order.
fn sheets(path: &Path) -> Vec<(String, Range<Data>)> {
    let mut workbook: Xlsx<_> = open_workbook(path).expect("an xlsx workbook");
    workbook
        .sheet_names()
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).expect("sheet");
            (name, range)
        })
        .collect()
}

fn sheet<'a>(sheets: &'a [(String, Range<Data>)], name: &str) -> &'a Range<Data> {
    &sheets
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1
}

/// The cell at (row, column) from the sheet's top left, empty where nothing is written.
fn at(range: &Range<Data>, row: usize, column: usize) -> Data {
    range
        .get_value((row as u32, column as u32))
        .cloned()
        .unwrap_or(Data::Empty)
}

/// The text of column A, row by row from the top (empty rows as "").
fn column_a(range: &Range<Data>) -> Vec<String> {
    let end = range.end().map_or(0, |(row, _)| row as usize);
    (0..=end)
        .map(|row| match at(range, row, 0) {
            Data::String(text) => text,
            Data::Empty => String::new(),
            other => other.to_string(),
        })
        .collect()
}

/// The row whose first cells are `header`.
fn row_of(range: &Range<Data>, header: &[&str]) -> usize {
    let end = range.end().map_or(0, |(row, _)| row as usize);
    (0..=end)
        .find(|&row| {
            header
                .iter()
                .enumerate()
                .all(|(c, name)| at(range, row, c) == Data::String(name.to_string()))
        })
        .unwrap_or_else(|| panic!("no row {header:?}"))
}

/// A CSV block: one query's table, or one of the tables a long table is printed as (after a
/// `# table: NAME` line, the query's name carried from the block before); its comment lines,
/// header and rows.
struct Block {
    name: String,
    comments: Vec<String>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn blocks(csv: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for block in csv.split("\n\n") {
        let (comments, table): (Vec<&str>, Vec<&str>) =
            block.lines().partition(|line| line.starts_with('#'));
        let heading = comments.iter().find(|line| {
            !line.starts_with("# note:")
                && !line.starts_with("# NOT FOR")
                && !line.starts_with("# table: ")
        });
        let name = match heading {
            Some(line) => line[2..].split([':', ' ']).next().expect("a name"),
            None => &blocks.last().expect("a query before its part").name,
        }
        .to_string();
        let text = table.join("\n");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header = reader.headers().unwrap().iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        blocks.push(Block {
            name,
            comments: comments.iter().map(|c| c.to_string()).collect(),
            header,
            rows,
        });
    }
    blocks
}

#[test]
fn xlsx_holds_the_figures_of_the_csv() {
    let work = Workdir::empty();
    let out = work.file("result.xlsx");
    let run = run_tiny(&["--format", "xlsx", "--out", out.to_str().unwrap()]);
    run.stdout_is("");
    let csv = run_tiny(&["--format", "csv"]).stdout;
    let json: Json = serde_json::from_str(&run_tiny(&["--format", "json"]).stdout).unwrap();
    let sheets = sheets(&out);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "months-to-employment-arm",
            "s0-t",
            "s1-t5",
            "s2-funnel",
            "s3-13wk",
            "s3-13wk-effect",
            "s4-f11",
            "s4-f6-bir",
            "definitions",
            "provenance"
        ]
    );
    let blocks = blocks(&csv);
    // The time-to-event query is three tables (curve, summary, test); every other query one.
    assert_eq!(blocks.len(), TINY.len() + 2);
    let results = json["results"].as_array().unwrap();
    let (mut counts, mut hidden, mut shares, mut decimals) = (0, 0, 0, 0);
    for block in &blocks {
        let result = results
            .iter()
            .find(|r| r["name"] == block.name.as_str())
            .unwrap_or_else(|| panic!("no result {}", block.name));
        let range = sheet(&sheets, &block.name);
        // Above the table: the heading line of the CSV and where the table was computed.
        if let Some(heading) = block
            .comments
            .first()
            .filter(|c| !c.starts_with("# table: "))
        {
            let heading = heading.trim_start_matches("# ");
            assert_eq!(at(range, 0, 0), Data::String(heading.into()), "{heading}");
            assert_eq!(
                at(range, 1, 0),
                Data::String(format!(
                    "metric {} on dataset {}",
                    result["metric"].as_str().unwrap(),
                    result["dataset"].as_str().unwrap()
                ))
            );
        }
        // A part is written under its name, as in the CSV.
        let header: Vec<&str> = block.header.iter().map(String::as_str).collect();
        let top = row_of(range, &header);
        if let Some(part) = block
            .comments
            .iter()
            .find_map(|c| c.strip_prefix("# table: "))
        {
            assert_eq!(at(range, top - 1, 0), Data::String(part.into()), "{part}");
        }
        let columns = result["columns"].as_array().unwrap();
        let kinds: Vec<&Json> = header
            .iter()
            .map(|name| {
                columns
                    .iter()
                    .find(|c| c["name"] == *name)
                    .unwrap_or_else(|| panic!("{}: no column {name}", block.name))
            })
            .collect();
        for (r, row) in block.rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                let cell = at(range, top + 1 + r, c);
                let kind = &kinds[c]["kind"];
                let place = format!("{} row {r} column {}: {cell:?}", block.name, header[c]);
                if text == "." {
                    assert_eq!(cell, Data::String(".".into()), "{place}");
                    hidden += 1;
                    continue;
                }
                if text.is_empty() {
                    assert_eq!(cell, Data::Empty, "{place}");
                    continue;
                }
                let number = match cell {
                    Data::Float(v) => Some(v),
                    Data::Int(v) => Some(v as f64),
                    _ => None,
                };
                match (kind["kind"].as_str().unwrap(), number) {
                    ("persons", Some(v)) => {
                        assert_eq!(v, text.parse::<f64>().unwrap(), "{place}");
                        assert_eq!(v.fract(), 0.0, "{place}");
                        counts += 1;
                    }
                    ("share", Some(v)) => {
                        assert_eq!(&format!("{:.1}", v * 100.0), text, "{place}");
                        shares += 1;
                    }
                    ("mean" | "number", Some(v)) => {
                        let d = kind["decimals"].as_u64().unwrap() as usize;
                        assert_eq!(&format!("{v:.d$}"), text, "{place}");
                        decimals += 1;
                    }
                    ("persons" | "share", None) => panic!("{place}: not a number"),
                    // Text in a number column ("not reached"), never a number as text.
                    (_, None) => {
                        assert!(text.parse::<f64>().is_err(), "{place}: a number as text");
                        assert_eq!(cell, Data::String(text.clone()), "{place}");
                    }
                    (kind, Some(_)) => panic!("{place}: a number in a {kind} column"),
                }
            }
        }
        // Under the table: the notes, then the legend when cells are hidden.
        let below = column_a(range)[top + 1 + block.rows.len()..].join("\n");
        for note in block
            .comments
            .iter()
            .filter_map(|c| c.strip_prefix("# note: "))
            .filter(|n| !n.contains("cell(s) suppressed"))
        {
            assert!(
                below.contains(note),
                "{}: {note} not in\n{below}",
                block.name
            );
        }
        let suppressed = result["suppressed"].as_u64().unwrap();
        assert_eq!(
            below.contains(&format!("{suppressed} {HIDDEN}")),
            suppressed > 0,
            "{}: {below}",
            block.name
        );
    }
    // The comparison covered every kind of cell.
    assert!(
        counts > 30 && hidden > 50 && shares > 10 && decimals > 10,
        "{counts} counts, {hidden} hidden, {shares} shares, {decimals} decimals"
    );
    // A released run carries no banner.
    for (name, range) in &sheets {
        assert_ne!(at(range, 0, 0), Data::String(NO_SUPPRESS.into()), "{name}");
    }
}

#[test]
fn xlsx_definitions_and_provenance_sheets() {
    let work = Workdir::empty();
    let out = work.file("result.xlsx");
    run_tiny(&["--format", "xlsx", "--out", out.to_str().unwrap()]);
    let sheets = sheets(&out);
    // Each query's definition, line for line what `udfald explain` prints.
    let definitions = column_a(sheet(&sheets, "definitions")).join("\n");
    for query in TINY {
        let explained = udfald(&["explain", query]).expect_status(0).stdout;
        assert!(
            definitions.contains(explained.trim_end()),
            "{query}:\n{explained}\nnot in\n{definitions}"
        );
    }
    let provenance = sheet(&sheets, "provenance");
    let value = |key: &str| at(provenance, row_of(provenance, &[key]), 1);
    assert_eq!(value("small-cell threshold"), Data::Float(5.0));
    assert_eq!(
        value("udfald version"),
        Data::String(env!("CARGO_PKG_VERSION").into())
    );
    assert_eq!(value("output format"), Data::String("xlsx".into()));
    // Rows read: tiny's cohort has 11 persons.
    let datasets = row_of(provenance, &["dataset", "folder", "code table"]);
    assert_eq!(at(provenance, datasets + 1, 0), Data::String("tiny".into()));
    assert_eq!(at(provenance, datasets + 1, 3), Data::Float(11.0));
    // Every file with its size and hash.
    let files = row_of(provenance, &["dataset", "role", "file", "bytes", "sha256"]);
    for (offset, (role, file)) in [
        ("manifest", "dataset.toml"),
        ("cohort", "cohort.csv"),
        ("dream", "dream.csv"),
        ("income", "income.csv"),
    ]
    .into_iter()
    .enumerate()
    {
        let bytes = std::fs::read(repo().join("data-samples/tiny").join(file)).unwrap();
        let hash: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let row = files + 1 + offset;
        assert_eq!(at(provenance, row, 1), Data::String(role.into()));
        assert_eq!(at(provenance, row, 2), Data::String(file.into()));
        assert_eq!(at(provenance, row, 3), Data::Float(bytes.len() as f64));
        assert_eq!(at(provenance, row, 4), Data::String(hash));
    }
    let queries = row_of(provenance, &["query", "file", "metric"]);
    assert_eq!(at(provenance, queries + 2, 0), Data::String("s0-t".into()));
    assert_eq!(
        at(provenance, queries + 2, 1),
        Data::String("queries/s0-t.toml".into())
    );
}

#[test]
fn xlsx_not_for_release_and_definitions_state_the_run_threshold() {
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    let out = work.file("result.xlsx");
    work.run(&[
        "run",
        &query,
        "--no-suppress",
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
    ])
    .expect_status(0);
    let sheets = sheets(&out);
    for (name, range) in &sheets {
        assert_eq!(at(range, 0, 0), Data::String(NO_SUPPRESS.into()), "{name}");
    }
    // Treatment 4 of 6 with paid hours: every count shown, the share as a proportion.
    let q = sheet(&sheets, "q");
    let top = row_of(q, &["arm", "n", "count", "share", "n_censored"]);
    let treatment = top + 2;
    assert_eq!(at(q, treatment, 0), Data::String("treatment".into()));
    assert_eq!(at(q, treatment, 1), Data::Float(6.0));
    assert_eq!(at(q, treatment, 2), Data::Float(4.0));
    assert_eq!(at(q, treatment, 3), Data::Float(4.0 / 6.0));
    let definitions = column_a(sheet(&sheets, "definitions"));
    assert!(
        definitions.contains(
            &"small cells  not suppressed (--no-suppress): every cell is shown, for local work only"
                .to_string()
        ),
        "{definitions:?}"
    );
}

#[test]
fn xlsx_sheet_names_are_cut_unique_and_allowed() {
    let work = Workdir::with_sample("tiny");
    let body = "title = \"Q\"\nmetric = \"share_ever\"\n[params]\nfollowup = \"available\"\n";
    let long = "paid-hours-ever-from-start-by-arm";
    for (file, name) in [
        ("a.toml", format!("{long}-one")),
        ("b.toml", format!("{long}-two")),
        ("c.toml", "s1/t5: [x]".to_string()),
        ("d.toml", "provenance".to_string()),
    ] {
        work.write(file, &format!("name = \"{name}\"\n{body}"));
    }
    let out = work.file("result.xlsx");
    work.run(&[
        "run",
        work.file("a.toml").to_str().unwrap(),
        work.file("b.toml").to_str().unwrap(),
        work.file("c.toml").to_str().unwrap(),
        work.file("d.toml").to_str().unwrap(),
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
    ])
    .expect_status(0);
    let names: Vec<String> = sheets(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "paid-hours-ever-from-start-by-a",
            "paid-hours-ever-from-start- (2)",
            "s1_t5_ _x_",
            "provenance (2)",
            "definitions",
            "provenance"
        ]
    );
    assert!(names.iter().all(|n| n.chars().count() <= 31));
}

#[test]
fn xlsx_is_identical_between_runs_and_reproduces() {
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    let (first, second) = (work.file("first.xlsx"), work.file("second.xlsx"));
    let manifest = work.file("run.json");
    work.run(&[
        "run",
        &query,
        "--format",
        "xlsx",
        "--out",
        first.to_str().unwrap(),
        "--provenance",
        manifest.to_str().unwrap(),
    ])
    .expect_status(0);
    work.run(&[
        "run",
        &query,
        "--format",
        "xlsx",
        "--out",
        second.to_str().unwrap(),
    ])
    .expect_status(0);
    assert!(std::fs::read(&first).unwrap() == std::fs::read(&second).unwrap());
    udfald(&["reproduce", manifest.to_str().unwrap()])
        .expect_status(0)
        .stdout_has(&["identical: the result reproduces byte for byte"]);
}

/// The note under every share_ever table over the available follow-up.
const SHARE_NOTE: &str = "share: persons with paid_hours in at least one month of rel_month 0..the end of follow-up, of n (available follow-up); n_censored: persons not counted for lack of follow-up";

#[test]
fn danish_csv_has_a_bom_semicolons_and_decimal_commas() {
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    let out = work.file("result.csv");
    let manifest = work.file("run.json");
    work.run(&[
        "run",
        &query,
        "--no-suppress",
        "--format",
        "csv",
        "--csv-dialect",
        "danish",
        "--out",
        out.to_str().unwrap(),
        "--provenance",
        manifest.to_str().unwrap(),
    ])
    .expect_status(0);
    let expected = format!(
        "\u{feff}# {NO_SUPPRESS}\n# q: Q\n# note: {SHARE_NOTE}\narm;n;count;share;n_censored\ncontrol;4;4;100,0;1\ntreatment;6;4;66,7;0\n(all);10;8;80,0;1\n"
    );
    assert_eq!(std::fs::read(&out).unwrap(), expected.as_bytes());
    // The dialect is part of the run: reproduce re-runs it as it was.
    assert!(work
        .read("run.json")
        .contains("\"csv_dialect\": \"danish\""));
    udfald(&["reproduce", manifest.to_str().unwrap()])
        .expect_status(0)
        .stdout_has(&["identical"]);
    // Hidden cells stay `.`, and the default dialect says nothing of itself.
    work.run(&["run", &query, "--format", "csv", "--csv-dialect", "danish"])
        .expect_status(0)
        .stdout_is(&format!(
            "\u{feff}# q: Q\n# note: {SHARE_NOTE}\n# note: 11 cell(s) suppressed (shown as .): fewer persons than the small-cell threshold\narm;n;count;share;n_censored\ncontrol;.;.;.;.\ntreatment;.;.;.;.\n(all);10;.;.;.\n"
        ));
    let default = work
        .run(&["run", &query, "--format", "csv", "--csv-dialect", "default"])
        .expect_status(0)
        .stdout;
    assert_eq!(
        default,
        work.run(&["run", &query, "--format", "csv"])
            .expect_status(0)
            .stdout
    );
}

#[test]
fn formats_refuse_what_they_cannot_do() {
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    let xlsx = "--format xlsx writes a workbook, not text: give --out FILE.xlsx";
    work.run(&["run", &query, "--format", "xlsx"])
        .expect_error(2, xlsx);
    work.run(&["run", &query, "--format", "xlsx", "--out", "-"])
        .expect_error(2, xlsx);
    work.run(&["run", &query, "--format", "json", "--csv-dialect", "danish"])
        .expect_error(2, "--csv-dialect applies to --format csv only");
    work.run(&["run", &query, "--format", "csv", "--csv-dialect", "swedish"])
        .expect_status(2)
        .stderr_has(&["invalid value 'swedish' for '--csv-dialect"]);
    // A folder that does not exist: the run fails (exit 1) naming the file, and panics nowhere.
    let unwritable = work.file("no-such-folder").join("result.xlsx");
    let unwritable = unwritable.to_str().unwrap();
    work.run(&["run", &query, "--format", "xlsx", "--out", unwritable])
        .expect_error(
            1,
            &format!("cannot write {unwritable}: No such file or directory (os error 2)"),
        );
}
