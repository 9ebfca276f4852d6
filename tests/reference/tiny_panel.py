#!/usr/bin/env python3
"""Independent reference implementation of the person-month panel (spec metrics.md §1-2).

Reads a dataset folder (default: data-samples/tiny) and the DREAM code table (the dataset's
`codes` if the manifest names one, else src/load/default_codes.csv) and writes

    tests/fixtures/tiny_panel_expected.csv     one row per cohort person and observed month
    tests/fixtures/tiny_summary_expected.toml  hand-checkable aggregate facts

Python 3.11+ standard library only, and deliberately written without looking at the Rust code:
ISO weeks come from `datetime.date.fromisocalendar`, the Thursday rule is applied here by hand,
amounts are summed as `decimal.Decimal` so that the printed 2-decimal values are exact.

Usage (from the repository root):

    python3 tests/reference/tiny_panel.py            # (re)write both fixture files
    python3 tests/reference/tiny_panel.py --check    # exit 1 if the fixture files differ

Parameters are the spec defaults and are fixed here: min_hours = 1,
min_weeks_without_benefit = 4, min_hours_per_employer = 0 (an employer counts when hours > 0),
history = 36 months before the start month.
"""

import argparse
import csv
import datetime as dt
import re
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MIN_HOURS = Decimal("1")
MIN_WEEKS_WITHOUT_BENEFIT = 4
HISTORY_MONTHS = 36

CATEGORIES = [
    "unemployment_insurance",
    "social_assistance",
    "resource_course",
    "job_clarification",
    "sickness",
    "flexjob",
    "flexjob_unemployment",
    "disability_pension",
    "early_retirement",
    "education",
    "internship",
    "wage_subsidy",
    "other_guidance",
    "leave",
    "other_benefit",
]

STATUSES = [
    "paid_hours",
    "employment",
    "employment_strict",
    "paid_hours_on_benefit",
    "flexjob",
    "education",
    "internship",
    "company_based",
    "self_support",
    "partial_self_support",
    "other_benefit",
    "upskilling",
    "any_result",
]

COLUMNS = (
    ["person_id", "month", "rel_month", "weeks", "benefit_weeks"]
    + [f"weeks_{c}" for c in CATEGORIES]
    + ["hours", "wage", "n_employers", "employers"]
    + STATUSES
)


class BadInput(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Time. A month is the pair (year, month); a week is represented by its Monday (a datetime.date).


def month_of(date):
    return (date.year, date.month)


def month_index(month):
    return month[0] * 12 + month[1] - 1


def month_from_index(index):
    return (index // 12, index % 12 + 1)


def month_str(month):
    return f"{month[0]:04d}-{month[1]:02d}"


def parse_month(text):
    m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise BadInput(f"expected a month YYYY-MM, got {text!r}")
    return (int(m.group(1)), int(m.group(2)))


def week_month(monday):
    """Thursday rule: a week belongs to the month holding its Thursday."""
    return month_of(monday + dt.timedelta(days=3))


def weeks_of_month(month):
    """Mondays of the ISO weeks whose Thursday lies in `month` (4 or 5 of them)."""
    first = dt.date(month[0], month[1], 1)
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)  # weekday(): Mon=0, Thu=3
    mondays = []
    while month_of(thursday) == month:
        mondays.append(thursday - dt.timedelta(days=3))
        thursday += dt.timedelta(days=7)
    assert len(mondays) in (4, 5), (month, mondays)
    return mondays


def iso_label(monday):
    year, week, _ = monday.isocalendar()
    return f"{year:04d}-W{week:02d}"


def parse_week_column(name):
    """`y_YYWW` -> Monday of ISO week WW of year 20YY (19YY for YY >= 90)."""
    m = re.fullmatch(r"y_(\d{2})(\d{2})", name)
    if not m:
        raise BadInput(f"DREAM column {name!r} is not y_YYWW")
    yy, ww = int(m.group(1)), int(m.group(2))
    year = 1900 + yy if yy >= 90 else 2000 + yy
    try:
        return dt.date.fromisocalendar(year, ww, 1)
    except ValueError:
        raise BadInput(f"DREAM column {name!r}: ISO year {year} has no week {ww}")


# ---------------------------------------------------------------------------------------------
# Readers


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [row for row in reader]
    for n, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise BadInput(f"{path}:{n}: {len(row)} fields, header has {len(header)}")
    return header, rows


def read_records(path):
    """The rows of a CSV file as (line number, {column: cell without surrounding blanks})."""
    header, rows = read_csv(path)
    for n, row in enumerate(rows, start=2):
        yield n, {name: cell.strip() for name, cell in zip(header, row)}


def read_codes(path):
    table = {}
    for n, record in read_records(path):
        code = record["code"]
        category = record["category"]
        if category not in CATEGORIES:
            raise BadInput(f"{path}:{n}: unknown category {category!r}")
        flag = record["public_support"].lower()
        if flag == "":
            public = category != "education"  # category default
        elif flag in ("true", "false"):
            public = flag == "true"
        else:
            raise BadInput(f"{path}:{n}: public_support {flag!r}")
        if code in table:
            raise BadInput(f"{path}:{n}: code {code} appears twice")
        table[code] = (category, public)
    return table


def read_cohort(path):
    cohort = []
    seen = set()
    for n, record in read_records(path):
        pid = record["person_id"]
        if pid in seen:
            raise BadInput(f"{path}:{n}: duplicate person_id {pid}")
        seen.add(pid)
        cohort.append((pid, dt.date.fromisoformat(record["start_date"])))
    return cohort


def read_dream(path, codes):
    """Wide layout. Returns (list of week Mondays, {person: {monday: code}})."""
    header, rows = read_csv(path)
    key = 0 if header[0] in ("pnr", "person_id") else None
    if key is None:
        raise BadInput(f"{path}: first column must be pnr or person_id")
    week_cols = [(i, parse_week_column(h)) for i, h in enumerate(header) if h.startswith("y_")]
    mondays = [m for _, m in week_cols]
    for a, b in zip(mondays, mondays[1:]):
        if b - a != dt.timedelta(days=7):
            raise BadInput(f"{path}: week columns not contiguous at {iso_label(a)} -> {iso_label(b)}")
    codes_by_person = {}
    for n, row in enumerate(rows, start=2):
        pid = row[key].strip()
        if pid in codes_by_person:
            raise BadInput(f"{path}:{n}: person {pid} twice")
        weeks = {}
        for i, monday in week_cols:
            cell = row[i].strip()
            if cell == "":
                continue
            if not re.fullmatch(r"\d{3}", cell):
                raise BadInput(f"{path}:{n}: column {header[i]}: {cell!r} is not a 3-digit code")
            if cell not in codes:
                raise BadInput(f"{path}:{n}: column {header[i]}: code {cell} not in the code table")
            weeks[monday] = cell
        codes_by_person[pid] = weeks
    return mondays, codes_by_person


def read_income(path):
    """Returns (rows, last month present); rows = list of (person, month, employer, hours, wage)."""
    rows = []
    seen = set()
    for n, record in read_records(path):
        pid = record["person_id"]
        month = parse_month(record["month"])
        employer = record["employer_id"]
        hours = Decimal(record["hours"])
        wage_text = record.get("wage", "")
        wage = Decimal(wage_text) if wage_text else Decimal("0")
        if hours < 0 or wage < 0:
            raise BadInput(f"{path}:{n}: negative hours or wage")
        if (pid, month, employer) in seen:
            raise BadInput(f"{path}:{n}: duplicate row for {pid} {month_str(month)} {employer}")
        seen.add((pid, month, employer))
        rows.append((pid, month, employer, hours, wage))
    last = max((r[1] for r in rows), key=month_index) if rows else None
    return rows, last


# ---------------------------------------------------------------------------------------------
# The panel


def fmt_bool(value):
    return "true" if value else "false"


def build(dataset_dir, default_codes):
    manifest = tomllib.loads((dataset_dir / "dataset.toml").read_text(encoding="utf-8"))
    codes_path = dataset_dir / manifest["codes"] if "codes" in manifest else default_codes
    codes = read_codes(codes_path)
    cohort = read_cohort(dataset_dir / manifest["cohort"])
    mondays, dream = read_dream(dataset_dir / manifest["dream"], codes)
    income_rows, income_last = read_income(dataset_dir / manifest["income"])
    income_through = parse_month(manifest["income_through"]) if "income_through" in manifest else income_last

    for pid, month, *_ in income_rows:
        if month_index(month) > month_index(income_through):
            raise BadInput(f"income row {pid} {month_str(month)} after income_through")

    first_week, last_week = mondays[0], mondays[-1]

    # Observed months: every week of the month (Thursday rule) inside DREAM's coverage, and the
    # month not after income_through.
    def observed(month):
        weeks = weeks_of_month(month)
        return (
            weeks[0] >= first_week
            and weeks[-1] <= last_week
            and month_index(month) <= month_index(income_through)
        )

    candidates = range(month_index(week_month(first_week)), month_index(week_month(last_week)) + 1)
    observed_months = [month_from_index(i) for i in candidates if observed(month_from_index(i))]
    first_obs, last_obs = observed_months[0], observed_months[-1]
    dream_full_months = [
        month_from_index(i)
        for i in candidates
        if weeks_of_month(month_from_index(i))[0] >= first_week
        and weeks_of_month(month_from_index(i))[-1] <= last_week
    ]
    # Observed months are contiguous by construction (two coverage intervals intersected).
    assert [month_index(m) for m in observed_months] == list(
        range(month_index(first_obs), month_index(last_obs) + 1)
    )

    cohort_ids = {pid for pid, _ in cohort}
    income_by = {}
    for pid, month, employer, hours, wage in income_rows:
        income_by.setdefault((pid, month), []).append((employer, hours, wage))

    panel = []
    per_person = {}
    for pid, start in cohort:
        start_month = month_of(start)
        lo = max(month_index(start_month) - HISTORY_MONTHS, month_index(first_obs))
        hi = month_index(last_obs)
        person_weeks = dream.get(pid, {})  # absent from DREAM: no benefit any week
        months = []
        for mi in range(lo, hi + 1):
            month = month_from_index(mi)
            week_list = weeks_of_month(month)
            cat_weeks = {c: 0 for c in CATEGORIES}
            benefit_weeks = 0
            for monday in week_list:
                code = person_weeks.get(monday)
                if code is None:
                    continue
                category, public = codes[code]
                cat_weeks[category] += 1
                benefit_weeks += public
            rows = income_by.get((pid, month), [])
            hours = sum((h for _, h, _ in rows), Decimal("0"))
            wage = sum((w for _, _, w in rows), Decimal("0"))
            employers = sorted({e for e, h, _ in rows if h > 0})
            n_weeks = len(week_list)

            paid_hours = hours >= MIN_HOURS
            s = {
                "paid_hours": paid_hours,
                "employment": paid_hours and n_weeks - benefit_weeks >= MIN_WEEKS_WITHOUT_BENEFIT,
                "employment_strict": paid_hours and benefit_weeks == 0,
                "paid_hours_on_benefit": paid_hours and benefit_weeks >= 1,
                "flexjob": cat_weeks["flexjob"] >= 1,
                "education": cat_weeks["education"] >= 1,
                "internship": cat_weeks["internship"] >= 1,
                "company_based": cat_weeks["internship"] + cat_weeks["wage_subsidy"] >= 1 or paid_hours,
                "self_support": benefit_weeks == 0,
                "other_benefit": cat_weeks["resource_course"] + cat_weeks["disability_pension"] >= 1,
                "upskilling": cat_weeks["other_guidance"] >= 1,
            }
            s["partial_self_support"] = s["flexjob"] or s["paid_hours_on_benefit"]
            s["any_result"] = s["employment"] or s["education"] or s["paid_hours"] or s["flexjob"]

            row = [pid, month_str(month), str(mi - month_index(start_month)), str(n_weeks), str(benefit_weeks)]
            row += [str(cat_weeks[c]) for c in CATEGORIES]
            row += [f"{hours:.2f}", f"{wage:.2f}", str(len(employers)), ";".join(employers)]
            row += [fmt_bool(s[k]) for k in STATUSES]
            panel.append(row)
            months.append(month)
        per_person[pid] = (months[0], months[-1]) if months else None

    dream_strangers = sorted(set(dream) - cohort_ids)
    income_strangers = sorted({r[0] for r in income_rows} - cohort_ids)
    summary = {
        "persons_in_cohort": len(cohort),
        "dream_persons": len(dream),
        "dream_persons_not_in_cohort": len(dream_strangers),
        "cohort_persons_not_in_dream": len(cohort_ids - set(dream)),
        "income_rows": len(income_rows),
        "income_persons_not_in_cohort": len(income_strangers),
        "income_rows_not_in_cohort": sum(1 for r in income_rows if r[0] not in cohort_ids),
        "dream_first_week": iso_label(first_week),
        "dream_last_week": iso_label(last_week),
        "dream_weeks": len(mondays),
        "dream_last_full_month": month_str(dream_full_months[-1]),
        "income_through": month_str(income_through),
        "first_observed_month": month_str(first_obs),
        "last_observed_month": month_str(last_obs),
        "panel_rows": len(panel),
        "dream_stranger_ids": dream_strangers,
        "income_stranger_ids": income_strangers,
    }
    return panel, summary, per_person, cohort


def toml_value(v):
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


def render_summary(summary, per_person, cohort):
    lines = [
        "# Aggregate facts about data-samples/tiny, written by tests/reference/tiny_panel.py.",
        "# Defaults: min_hours = 1, min_weeks_without_benefit = 4, 36 months of history before start.",
        "# See docs/tiny-dataset.md for the hand computations.",
        "",
    ]
    for k, v in summary.items():
        lines.append(f"{k} = {toml_value(v)}")
    lines.append("")
    lines.append("# Per cohort person (cohort file order): the start month and the panel's first and")
    lines.append("# last month; rel_month of the last panel month = follow-up months after the start month.")
    for pid, start in cohort:
        first, last = per_person[pid]
        lines.append("")
        lines.append(f"[persons.{pid}]")
        lines.append(f'start_month = "{month_str(month_of(start))}"')
        lines.append(f'first_month = "{month_str(first)}"')
        lines.append(f'last_month = "{month_str(last)}"')
        lines.append(f"last_rel_month = {month_index(last) - month_index(month_of(start))}")
    return "\n".join(lines) + "\n"


def render_panel(panel):
    out = [",".join(COLUMNS)]
    for row in panel:
        assert len(row) == len(COLUMNS)
        out.append(",".join(row))  # no field needs quoting: ids, numbers, `;`-joined ids
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=ROOT / "data-samples" / "tiny")
    ap.add_argument("--codes", type=Path, default=ROOT / "src" / "load" / "default_codes.csv")
    ap.add_argument("--panel-out", type=Path, default=ROOT / "tests" / "fixtures" / "tiny_panel_expected.csv")
    ap.add_argument("--summary-out", type=Path, default=ROOT / "tests" / "fixtures" / "tiny_summary_expected.toml")
    ap.add_argument("--check", action="store_true", help="compare with the existing files instead of writing")
    args = ap.parse_args()

    try:
        panel, summary, per_person, cohort = build(args.dataset, args.codes)
    except BadInput as e:
        print(f"bad input: {e}", file=sys.stderr)
        return 2
    outputs = {
        args.panel_out: render_panel(panel),
        args.summary_out: render_summary(summary, per_person, cohort),
    }
    if args.check:
        stale = [p for p, text in outputs.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"differs: {p}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
