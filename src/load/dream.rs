//! The weekly benefit register DREAM (spec `data-formats.md` §2), wide (`pnr`, one `y_YYWW`
//! column per ISO week) or long (`person_id, year_week, code`). Either way it becomes a
//! [`WeekStates`] matrix: one byte per cohort person and covered week, so that a million persons
//! over five years fit in a few hundred MB and every later stage can ask "what was person p on in
//! week w" without touching codes again.

use super::codes::WeekState;
use super::source::{Reading, Table};
use super::LoadContext;
use crate::calendar::{Month, Week, WeekError};
use crate::error::{Location, Problem};
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const PERSON_ID: &[&str] = &["pnr", "person_id"];

/// Person × week benefit states for the cohort, over DREAM's contiguous week coverage.
#[derive(Debug, Clone)]
pub struct WeekStates {
    pub first_week: Week,
    pub n_weeks: usize,
    states: Vec<u8>,
}

impl WeekStates {
    fn new(persons: usize, first_week: Week, n_weeks: usize) -> WeekStates {
        WeekStates {
            first_week,
            n_weeks,
            states: vec![WeekState::NO_BENEFIT.byte(); persons * n_weeks],
        }
    }

    pub fn last_week(&self) -> Week {
        self.first_week.offset(self.n_weeks as i32 - 1)
    }

    /// Whether a week lies inside DREAM's coverage.
    pub fn covers(&self, week: Week) -> bool {
        week >= self.first_week && week <= self.last_week()
    }

    /// The person's states, one byte a covered week, first week first.
    pub fn person(&self, person: u32) -> &[u8] {
        let start = person as usize * self.n_weeks;
        &self.states[start..start + self.n_weeks]
    }

    pub fn get(&self, person: u32, week: Week) -> WeekState {
        WeekState::from_byte(self.person(person)[week.since(self.first_week) as usize])
    }

    fn set(&mut self, person: u32, offset: usize, state: WeekState) {
        self.states[person as usize * self.n_weeks + offset] = state.byte();
    }
}

/// What the reader saw, for the validation summary.
#[derive(Debug, Clone, Default)]
pub struct DreamReport {
    pub layout: &'static str,
    pub rows: u64,
    pub cohort_persons: u64,
    pub persons_not_in_cohort: u64,
    pub passthrough_columns: Vec<String>,
    /// `grad_YYYY_MM` / `branche_YYYY_MM` columns seen (kept for a later stage; not in the panel).
    pub monthly_columns: u64,
    pub keys: super::keys::KeyMatch,
    pub by_file: super::keys::ByFile,
}

/// Codes absent from the code table: code → (person-weeks, columns or weeks where seen).
type UnknownCodes = BTreeMap<u16, (u64, BTreeSet<Week>)>;

pub fn read(
    table: &Table,
    codes: &super::codes::CodeTable,
    cohort: &super::cohort::Cohort,
    context: &mut LoadContext,
) -> Result<Option<(WeekStates, DreamReport)>> {
    if table.column("year_week").is_some() {
        read_long(table, codes, cohort, context)
    } else {
        read_wide(table, codes, cohort, context)
    }
}

/// The person-key column, the week columns (week, column index) in week order, and the report so far.
type WideHeader = (usize, Vec<(Week, usize)>, DreamReport);

/// Checks the wide header: week columns well-named, existing, contiguous.
fn wide_header(table: &Table, context: &mut LoadContext) -> Option<WideHeader> {
    let file = &table.file.name;
    let id_col = match table.require_column(PERSON_ID) {
        Ok(c) => c,
        Err(problem) => {
            context.problems.push(problem);
            return None;
        }
    };
    let mut report = DreamReport {
        layout: "wide",
        ..DreamReport::default()
    };
    let mut weeks = Vec::new();
    let mut ok = true;
    for (c, name) in table.headers.iter().enumerate() {
        if c == id_col {
            continue;
        }
        let header_problem =
            |message: String| Problem::new(file, Location::Header, message).column(name);
        if let Some(spelling) = name.strip_prefix("y_") {
            match Week::parse(spelling) {
                Ok(week) if spelling.len() == 4 => weeks.push((week, c)),
                Ok(_) | Err(WeekError::Malformed) => {
                    ok = false;
                    context.problems.push(header_problem(
                        "a week column must be named y_YYWW (two-digit year and week)".into(),
                    ));
                }
                Err(err) => {
                    ok = false;
                    context
                        .problems
                        .push(header_problem(format!("no such week: {err}")));
                }
            }
        } else if let Some(spelling) = name
            .strip_prefix("grad_")
            .or_else(|| name.strip_prefix("branche_"))
        {
            if Month::parse(&spelling.replacen('_', "-", 1)).is_none() {
                ok = false;
                context.problems.push(header_problem(
                    "a monthly column must be named grad_YYYY_MM or branche_YYYY_MM".into(),
                ));
            } else {
                report.monthly_columns += 1;
            }
        } else {
            report.passthrough_columns.push(name.clone());
        }
    }
    weeks.sort();
    if weeks.is_empty() && ok {
        ok = false;
        context.problems.push(Problem::new(
            file,
            Location::Header,
            "no week columns y_YYWW found (and no year_week column for the long layout)",
        ));
    }
    for pair in weeks.windows(2) {
        let (earlier, later) = (pair[0].0, pair[1].0);
        if later != earlier.next() {
            ok = false;
            context.problems.push(Problem::new(
                file,
                Location::Header,
                format!(
                    "week columns must be contiguous: {} is missing between {} and {}",
                    earlier.next().dream_column(),
                    earlier.dream_column(),
                    later.dream_column()
                ),
            ));
        }
    }
    ok.then_some((id_col, weeks, report))
}

fn read_wide(
    table: &Table,
    codes: &super::codes::CodeTable,
    cohort: &super::cohort::Cohort,
    context: &mut LoadContext,
) -> Result<Option<(WeekStates, DreamReport)>> {
    let Some((id_col, weeks, mut report)) = wide_header(table, context) else {
        return Ok(None);
    };
    report.keys = super::keys::KeyMatch::new(cohort);
    report.by_file = super::keys::ByFile::new(&table.file_names(), cohort);
    let file = table.source.name.clone();
    let first_week = weeks[0].0;
    let mut states = WeekStates::new(cohort.len(), first_week, weeks.len());
    let mut seen = PersonLines::new(cohort.len());
    let mut unknown = UnknownCodes::new();
    let mut row_states = vec![WeekState::NO_BENEFIT; weeks.len()];
    let reading = Reading {
        text: vec![id_col],
        numbers: weeks.iter().map(|&(_, c)| c).collect(),
    };
    let rows = table.for_each_row_reading(Some(&reading), |location, record| {
        let mut row_problems = record.problems();
        let person_id = record.get(id_col).trim();
        let person = cohort.person(person_id);
        if let Some(problem) = seen.check(
            record.file(),
            &table.headers[id_col],
            person_id,
            person,
            &location,
        ) {
            row_problems.push(problem);
        }
        for (offset, &(week, c)) in weeks.iter().enumerate() {
            row_states[offset] = match record.code(c) {
                Ok(None) => WeekState::NO_BENEFIT,
                Ok(Some(code)) => match codes.state(code) {
                    Some(state) => state,
                    None => {
                        let entry = unknown.entry(code).or_default();
                        entry.0 += 1;
                        entry.1.insert(week);
                        WeekState::NO_BENEFIT
                    }
                },
                Err(_) => {
                    row_problems.push(
                        Problem::new(
                            record.file(),
                            location.clone(),
                            "expected a DREAM code (a number of at most 3 digits) or an empty cell",
                        )
                        .column(&table.headers[c])
                        .value(record.text(c)),
                    );
                    WeekState::NO_BENEFIT
                }
            };
        }
        if !row_problems.is_empty() {
            context.reject_row(row_problems);
            return Ok(());
        }
        match person {
            Some(person) => {
                for (offset, state) in row_states.iter().enumerate() {
                    if *state != WeekState::NO_BENEFIT {
                        states.set(person, offset, *state);
                    }
                }
                report.cohort_persons += 1;
                report.keys.met(person);
                report
                    .by_file
                    .met(table.file_index(record.file()) as usize, person);
            }
            None => {
                report.persons_not_in_cohort += 1;
                report.keys.stranger(&cohort.loose, person_id);
                report.by_file.stranger(
                    table.file_index(record.file()) as usize,
                    &cohort.loose,
                    person_id,
                );
            }
        }
        Ok(())
    })?;
    report.rows = rows;
    report_unknown_codes(&file, unknown, "columns", Week::dream_column, context);
    Ok(Some((states, report)))
}

/// The long layout needs two passes: the coverage (first..last week present) sizes the matrix.
fn read_long(
    table: &Table,
    codes: &super::codes::CodeTable,
    cohort: &super::cohort::Cohort,
    context: &mut LoadContext,
) -> Result<Option<(WeekStates, DreamReport)>> {
    let file = table.source.name.clone();
    let columns = [
        table.require_column(&["person_id", "pnr"]),
        table.require_column(&["year_week"]),
        table.require_column(&["code"]),
    ];
    if columns.iter().any(|c| c.is_err()) {
        context
            .problems
            .extend_from(columns.into_iter().filter_map(|c| c.err()));
        return Ok(None);
    }
    let [id_col, week_col, code_col] = columns.map(|c| c.expect("checked"));
    let parse_row = |location: &Location,
                     record: &super::source::Record<'_>|
     -> Result<(Week, u16), Problem> {
        let week_text = record.get(week_col);
        let week = Week::parse(week_text).map_err(|err| {
            Problem::new(record.file(), location.clone(), err.to_string())
                .column(&table.headers[week_col])
                .value(week_text)
        })?;
        match record.code(code_col) {
            Ok(Some(code)) => Ok((week, code)),
            _ => Err(Problem::new(record.file(), location.clone(), "expected a DREAM code (a number of at most 3 digits); the long layout has a row only for weeks with a code")
                .column(&table.headers[code_col])
                .value(record.text(code_col))),
        }
    };
    let reading = Reading {
        text: vec![id_col, week_col],
        numbers: vec![code_col],
    };
    // Pass 1: validate, and find the coverage.
    let mut span: Option<(Week, Week)> = None;
    let mut bad_lines = std::collections::HashSet::new();
    table.for_each_row_reading(Some(&reading), |location, record| {
        let conversion = record.problems();
        if !conversion.is_empty() {
            bad_lines.insert((table.file_index(record.file()), location.clone()));
            context.reject_row(conversion);
            return Ok(());
        }
        match parse_row(&location, record) {
            Ok((week, _)) => {
                span = Some(span.map_or((week, week), |(lo, hi)| (lo.min(week), hi.max(week))));
            }
            Err(problem) => {
                bad_lines.insert((table.file_index(record.file()), location.clone()));
                context.reject_row(vec![problem]);
            }
        }
        Ok(())
    })?;
    let Some((first_week, last_week)) = span else {
        context.problems.push(Problem::new(
            &file,
            Location::File,
            "the long DREAM file has no valid rows, so its week coverage is unknown",
        ));
        return Ok(None);
    };
    let n_weeks = last_week.since(first_week) as usize + 1;
    let mut states = WeekStates::new(cohort.len(), first_week, n_weeks);
    let mut report = DreamReport {
        layout: "long",
        keys: super::keys::KeyMatch::new(cohort),
        by_file: super::keys::ByFile::new(&table.file_names(), cohort),
        ..DreamReport::default()
    };
    let mut unknown = UnknownCodes::new();
    let mut persons_seen = vec![false; cohort.len()];
    let mut others_seen = std::collections::HashSet::new();
    let mut first_line: HashMap<(u32, Week), Location> = HashMap::new();
    report.rows = table.for_each_row_reading(Some(&reading), |location, record| {
        if bad_lines.contains(&(table.file_index(record.file()), location.clone())) {
            return Ok(());
        }
        let (week, code) = parse_row(&location, record).expect("validated in pass 1");
        let person_id = record.get(id_col).trim();
        let Some(state) = codes.state(code) else {
            let entry = unknown.entry(code).or_default();
            entry.0 += 1;
            entry.1.insert(week);
            return Ok(());
        };
        match cohort.person(person_id) {
            Some(person) => {
                if let Some(first) = first_line.insert((person, week), location.clone()) {
                    context.reject_row(vec![Problem::new(record.file(), location, format!("person {person_id} has a second row for week {week} (first on {first}); DREAM holds one code a week"))
                        .column(&table.headers[week_col])
                        .value(record.get(week_col))]);
                    return Ok(());
                }
                persons_seen[person as usize] = true;
                report.keys.met(person);
                report
                    .by_file
                    .met(table.file_index(record.file()) as usize, person);
                states.set(person, week.since(first_week) as usize, state);
            }
            None => {
                if others_seen.insert(person_id.to_string()) {
                    report.keys.stranger(&cohort.loose, person_id);
                }
                report.by_file.stranger(
                    table.file_index(record.file()) as usize,
                    &cohort.loose,
                    person_id,
                );
            }
        }
        Ok(())
    })?;
    report.cohort_persons = persons_seen.iter().filter(|&&seen| seen).count() as u64;
    report.persons_not_in_cohort = others_seen.len() as u64;
    report_unknown_codes(&file, unknown, "weeks", |week| week.to_string(), context);
    Ok(Some((states, report)))
}

/// One problem per code absent from the table, naming where it was seen and how often.
fn report_unknown_codes(
    file: &str,
    unknown: UnknownCodes,
    place: &str,
    spell: impl Fn(Week) -> String,
    context: &mut LoadContext,
) {
    for (code, (person_weeks, weeks)) in unknown {
        let shown: Vec<String> = weeks.iter().take(5).map(|&w| spell(w)).collect();
        let more = match weeks.len() {
            n if n > 5 => format!(" and {} more", n - 5),
            _ => String::new(),
        };
        let mut problem = Problem::new(
            file,
            Location::File,
            format!(
                "code {code} is not in the code table: {person_weeks} person-week(s) in {place} {}{more}; add it with its category to the dataset's code table (manifest key codes)",
                shown.join(", ")
            ),
        )
        .value(code.to_string());
        if let Some(first) = shown.first() {
            problem = problem.column(first.clone());
        }
        context.problems.push(problem);
    }
}

/// Remembers where each person's row was, to refuse a second one.
struct PersonLines {
    cohort: Vec<Option<Location>>,
    others: HashMap<String, Location>,
}

impl PersonLines {
    fn new(persons: usize) -> PersonLines {
        PersonLines {
            cohort: vec![None; persons],
            others: HashMap::new(),
        }
    }

    fn check(
        &mut self,
        file: &str,
        column: &str,
        person_id: &str,
        person: Option<u32>,
        location: &Location,
    ) -> Option<Problem> {
        if person_id.is_empty() {
            return Some(
                Problem::new(file, location.clone(), "person key is empty")
                    .column(column)
                    .value(""),
            );
        }
        let previous = match person {
            Some(person) => self.cohort[person as usize].replace(location.clone()),
            None => self.others.insert(person_id.to_string(), location.clone()),
        };
        previous.map(|first| {
            Problem::new(
                file,
                location.clone(),
                format!("duplicate person key: already on {first}; DREAM has one row per person"),
            )
            .column(column)
            .value(person_id)
        })
    }
}
