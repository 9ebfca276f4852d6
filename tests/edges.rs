//! Hard edges (issue 15): inputs built to crash udfald or to slip past its checks. Each test names
//! the kind of mistake it guards, and checks the exit status and the exact message (file, key and
//! value) or, for what is allowed, that the run says what happened.

use crate::harness::{Workdir, BY_ARM};

/// A copy of tiny whose DREAM file is broken: a run that fails with a usage error on it stopped
/// before reading any register.
fn broken_registers() -> Workdir {
    let work = Workdir::with_sample("tiny");
    work.replace("dream.csv", "P07,740,", "P07,XXX,");
    work
}

/// The message for an expression nesting too deep at `character`.
fn too_deep(query: &str, key: &str, character: usize) -> String {
    format!("{query}: {key}: the expression nests more than 64 levels deep at character {character} (each parenthesis, `not` and operator in a chain is a level): define parts of it as statuses of their own")
}

#[test]
fn deep_nesting_is_a_usage_error_before_any_register() {
    // Thousands deep overflowed the stack (abort): parentheses, `not`s, and long chains of an
    // operator, in a status and in population.at_start.
    let work = broken_registers();
    let deep = 100_000;
    for (key, expression, character) in [
        (
            "[statuses] key s",
            format!("{}paid_hours{}", "(".repeat(deep), ")".repeat(deep)),
            65,
        ),
        ("[statuses] key s", "not ".repeat(deep) + "paid_hours", 257),
        (
            "[statuses] key s",
            vec!["hours"; deep].join(" + ") + " > 1",
            1,
        ),
        (
            "[population] key at_start",
            vec!["paid_hours"; deep].join(" or "),
            1,
        ),
    ] {
        let body = if key.starts_with("[statuses]") {
            format!("{BY_ARM}status = \"s\"\n[statuses]\ns = \"{expression}\"\n")
        } else {
            format!("{BY_ARM}[population]\nat_start = \"{expression}\"\n")
        };
        let query = work.query(&body);
        work.run(&["run", &query])
            .expect_error(2, &too_deep(&query, key, character));
    }
}

#[test]
fn nesting_at_the_limit_runs() {
    // 63 parentheses around a name, and a chain of 63 names and a `not`: 64 levels.
    let work = Workdir::with_sample("tiny");
    let parens = format!("{}paid_hours{}", "(".repeat(63), ")".repeat(63));
    let chain = vec!["paid_hours"; 63].join(" or ");
    let query = work.query(&format!(
        "{BY_ARM}status = \"s\"\n[statuses]\ns = \"{parens}\"\n[population]\nat_start = \"{chain} or not paid_hours\"\n"
    ));
    work.run(&["run", &query, "--no-suppress"])
        .expect_status(0)
        .stdout_has(&["(all)      9      7   77.8           0"]);
}

#[test]
fn statuses_building_on_each_other_are_limited_like_nesting() {
    // Each status may read the one before: 3,000 of them overflowed polars' stack.
    let work = broken_registers();
    let statuses: String = (1..=65)
        .map(|i| format!("s{i} = \"s{} and paid_hours\"\n", i - 1))
        .collect();
    let query = work.query(&format!(
        "{BY_ARM}status = \"s65\"\n[statuses]\ns0 = \"paid_hours\"\n{statuses}"
    ));
    work.run(&["run", &query]).expect_error(
        2,
        &format!("{query}: [statuses]: 66 statuses; a query defines at most 64 of its own"),
    );
}

#[test]
fn a_long_list_of_population_values_is_no_deep_chain() {
    // 5,000 values were combined into a chain of 5,000 `or`s, which polars took minutes over.
    let work = Workdir::with_sample("tiny");
    let values: Vec<String> = (0..5_000).map(|i| format!("\"v{i}\"")).collect();
    let query = work.query(&format!(
        "{BY_ARM}[population]\narm = [{}, \"control\"]\n",
        values.join(", ")
    ));
    work.run(&["run", &query, "--no-suppress"])
        .expect_status(0)
        .stdout_has(&["control  4      4  100.0           1\n(all)    4      4  100.0           1\n"]);
}
