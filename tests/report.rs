//! `udfald report`: the HTML file is self-contained, draws each metric's chart from the released
//! table (a hidden cell is a gap), and renders in headless Chromium without errors or requests.

use crate::harness::{udfald, Workdir};
use std::path::Path;
use std::process::Command;

/// Five queries on the bundled 2,000-person sample, one per kind of chart.
fn queries(work: &Workdir) -> Vec<String> {
    let bodies = [
        ("curve", "metric = \"monthly_curve\"\ngroup_by = [\"arm\"]\n[window]\nfrom = 0\nto = 12\n[params]\nstatus = \"paid_hours\"\n"),
        ("km", "metric = \"time_to_event\"\ngroup_by = [\"arm\"]\n[window]\nto = 12\n[params]\nstatus = \"employment\"\n"),
        ("effect", "metric = \"effect\"\ngroup_by = [\"project\"]\n[params]\noutcome = \"share_at\"\n[params.outcome_params]\nat = 6\n"),
        ("bars", "metric = \"share_ever\"\ngroup_by = [\"project\"]\n[window]\nfrom = 0\nto = 6\n[params]\nstatus = \"paid_hours\"\n"),
        ("stacked", "metric = \"hours_progression\"\ngroup_by = [\"arm\"]\n[window]\nfrom = 0\nto = 12\n"),
    ];
    bodies
        .iter()
        .map(|(name, body)| {
            let file = format!("{name}.toml");
            work.write(
                &file,
                &format!("name = \"{name}\"\ntitle = \"Chart {name}\"\n{body}"),
            );
            work.file(&file).display().to_string()
        })
        .collect()
}

/// The SVG of the chart of the section with this query name.
fn chart_of<'a>(html: &'a str, name: &str) -> &'a str {
    let section = &html[html
        .find(&format!("id=\"q-{name}\""))
        .unwrap_or_else(|| panic!("no section {name}"))..];
    let start = section.find("<svg").expect("a chart");
    &section[start..start + section[start..].find("</svg>").expect("closed")]
}

fn report(work: &Workdir, extra: &[&str]) -> String {
    let out = work.file("report.html");
    let mut args: Vec<String> = vec!["report".into()];
    args.extend(queries(work));
    args.extend(["--out".into(), out.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .expect_status(0);
    work.read("report.html")
}

#[test]
fn report_is_self_contained_and_draws_each_chart() {
    let work = Workdir::with_sample("sample");
    let html = report(&work, &[]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing outside the file: no script, no source, no stylesheet link, no URL but the SVG
    // namespace, and a policy that forbids every request.
    assert!(
        html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"")
    );
    for forbidden in ["<script", " src=", "<link", "url(", "@import"] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    let namespaces = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    let other: Vec<&str> = html
        .match_indices("://")
        .map(|(i, _)| &html[i.saturating_sub(40)..(i + 40).min(html.len())])
        .filter(|context| !context.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        .collect();
    assert!(
        other.is_empty(),
        "every URL is the SVG namespace: {other:?}"
    );
    assert_eq!(namespaces, 5, "one chart per query");

    // Monthly curve: a line per arm, 13 months, n observed printed under the axis per arm.
    let curve = chart_of(&html, "curve");
    assert!(curve.contains("class=\"chart curve\" data-series=\"2\""));
    assert_eq!(curve.matches("class=\"series\"").count(), 2);
    assert_eq!(
        curve.matches("<circle").count(),
        26,
        "13 months × 2 arms, all shown"
    );
    assert!(curve.matches("class=\"tick x\"").count() >= 6);
    assert!(curve.matches("class=\"tick y\"").count() >= 3);
    assert!(curve.contains(">persons observed</text>"));
    // Kaplan–Meier: steps with a band per arm and numbers at risk.
    let km = chart_of(&html, "km");
    assert_eq!(km.matches("class=\"series\"").count(), 2);
    assert_eq!(km.matches("class=\"band\"").count(), 2);
    assert!(km.contains(">number at risk</text>"));
    assert!(km.contains("log-rank test across the groups, p = "));
    // Censoring marks where the table shows persons censored, said in the caption.
    assert_eq!(
        km.contains("class=\"censored\""),
        km.contains("ticks: persons censored")
    );
    // Forest: a row per project and the overall row, a reference line at 0.
    let forest = chart_of(&html, "effect");
    assert_eq!(forest.matches("class=\"estimate\"").count(), 4);
    assert_eq!(forest.matches("class=\"reference\"").count(), 1);
    // Bars: a bar per project and the total; stacked bars of rose/unchanged/fell per arm.
    let bars = chart_of(&html, "bars");
    assert_eq!(bars.matches("class=\"bar\"").count(), 4);
    let stacked = chart_of(&html, "stacked");
    assert_eq!(stacked.matches("class=\"bar\"").count(), 9);
    // Each section has its definition.
    assert_eq!(html.matches("<h3>Definition</h3>").count(), 5);
}

#[test]
fn a_hidden_cell_is_a_gap_in_the_chart() {
    // On tiny (11 persons), one person has flexjob from the start month on: the shares resting
    // on that one person are hidden, the zeros before are shown. The chart draws a point exactly for each share the table shows.
    let work = Workdir::with_sample("tiny");
    work.write(
        "curve.toml",
        "name = \"curve\"\ntitle = \"C\"\nmetric = \"monthly_curve\"\n[window]\nfrom = -3\nto = 3\n[params]\nstatus = \"flexjob\"\n",
    );
    let query = work.file("curve.toml").display().to_string();
    let table = work
        .run(&["run", &query, "--format", "csv"])
        .expect_status(0)
        .stdout;
    let shares: Vec<&str> = table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("rel_month"))
        .map(|l| l.split(',').nth(3).unwrap())
        .collect();
    assert_eq!(shares.len(), 7);
    let shown = shares
        .iter()
        .filter(|s| **s != "." && !s.is_empty())
        .count();
    let hidden = shares.iter().filter(|s| **s == ".").count();
    assert!(shown > 0 && hidden > 0, "{shares:?}");
    let out = work.file("report.html").display().to_string();
    work.run(&["report", &query, "--out", &out])
        .expect_status(0);
    let html = work.read("report.html");
    let chart = chart_of(&html, "curve");
    assert_eq!(chart.matches("<circle").count(), shown);
    // Hidden n under the axis are printed as the table prints them.
    assert_eq!(
        html.matches("<td class=\"hidden\"").count(),
        table.matches(",.").count()
    );
}

#[test]
fn report_needs_an_out_file() {
    udfald(&["report", "queries/s4-t3-paid.toml"]).expect_error(
        2,
        "report: give --out FILE.html (the report is one HTML file to open in a browser)",
    );
}

/// Renders the report in headless Chromium (Debian's `chromium`, which `.ci/run` installs):
/// the screenshot is not blank, the browser logs no console message (an error, or a refused
/// request), the DOM holds the charts' elements, and no element points outside the file.
#[test]
fn report_renders_in_headless_chromium() {
    let Some(chromium) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        assert!(
            std::env::var_os("UDFALD_REQUIRE_CHROMIUM").is_none(),
            "UDFALD_REQUIRE_CHROMIUM is set but chromium is not installed"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    };
    let work = Workdir::with_sample("sample");
    report(&work, &[]);
    let url = format!("file://{}", work.file("report.html").display());
    let profile = tempfile::tempdir().unwrap();
    let browse = |extra: &[&str]| {
        let output = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(&url)
            .output()
            .expect("run chromium");
        assert!(output.status.success(), "chromium failed: {output:?}");
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let png = work.file("report.png");
    let (_, log) = browse(&[
        &format!("--screenshot={}", png.display()),
        "--window-size=1280,2400",
    ]);
    // Console messages (errors, refused requests) are logged as CONSOLE lines.
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "browser console: {console:?}");
    let decoder = png::Decoder::new(std::fs::File::open(&png).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1280, 2400));
    let channels = frame.color_type.samples();
    let ink = pixels[..frame.buffer_size()]
        .chunks(channels)
        .filter(|p| p[..3].iter().any(|&c| c < 200))
        .count();
    let share = ink as f64 / (frame.width * frame.height) as f64;
    assert!(
        share > 0.02,
        "the screenshot is nearly blank: {share:.4} of pixels inked"
    );

    let (dom, log) = browse(&["--dump-dom"]);
    assert!(log.lines().all(|l| !l.contains("CONSOLE")), "{log}");
    assert_eq!(dom.matches("<svg class=\"chart ").count(), 5);
    assert_eq!(
        dom.matches("class=\"series\"").count(),
        4,
        "2 curves × 2 arms"
    );
    assert_eq!(dom.matches("class=\"band\"").count(), 2);
    assert!(dom.matches("class=\"tick x\"").count() >= 20);
    assert!(dom.matches("class=\"tick y\"").count() >= 6);
    for attribute in ["src=\"", "href=\"http", "href=\"file", "href=\"//"] {
        assert!(!dom.contains(attribute), "{attribute}");
    }
}

#[test]
fn report_of_every_shipped_query() {
    // Every shipped query, on its own dataset: a section each, and a chart for each table but
    // the tables of characteristics (describe).
    let work = Workdir::empty();
    let out = work.file("report.html").display().to_string();
    udfald(&["report", "queries/", "--out", &out]).expect_status(0);
    let html = work.read("report.html");
    let queries = std::fs::read_dir(crate::harness::repo().join("queries"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    let described = std::fs::read_dir(crate::harness::repo().join("queries"))
        .unwrap()
        .filter(|e| {
            std::fs::read_to_string(e.as_ref().unwrap().path())
                .unwrap()
                .contains("metric = \"describe\"")
        })
        .count();
    assert_eq!(html.matches("<section class=\"query\"").count(), queries);
    assert_eq!(
        html.matches("<svg class=\"chart ").count(),
        queries - described
    );
    // The published figures are printed with their outcome, all reproduced.
    assert!(html.matches("class=\"pass\"").count() >= 100);
    assert_eq!(html.matches("class=\"fail\"").count(), 0);
}

#[test]
fn a_report_without_suppression_says_it_is_not_for_release() {
    let work = Workdir::with_sample("tiny");
    let query = work.query("[params]\nfollowup = \"available\"\n");
    let out = work.file("report.html").display().to_string();
    work.run(&["report", &query, "--out", &out, "--no-suppress"])
        .expect_status(0);
    let html = work.read("report.html");
    // At the top, and in the query's section (a printed report starts each query on a page).
    assert_eq!(
        html.matches("<p class=\"release\">NOT FOR RELEASE").count(),
        2,
        "{html}"
    );
    assert!(html.contains("no cell is hidden"));
    assert!(!html.contains("<td class=\"hidden\""));
    // With suppression (the default) the mark is absent and the threshold is stated.
    work.run(&["report", &query, "--out", &out])
        .expect_status(0);
    let html = work.read("report.html");
    assert!(!html.contains("class=\"release\""));
    assert!(html.contains("counts of 1 to 4 persons and what rests on them are hidden"));
}
