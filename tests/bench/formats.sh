#!/usr/bin/env bash
# Benchmark of reading delivered files (issue 13): `udfald validate` on the same synthetic persons
# as CSV, as Stata (`synth --format dta`) and as SAS (the .dta converted with ReadStat), at each
# size. Run by hand, never in CI; the figures in docs/performance.md ("Reading SAS and Stata")
# come from this script. Writes a table of wall seconds and peak memory (max RSS) to stdout.
#
#   tests/bench/formats.sh                     # 300,000 and 1,000,000 persons, two rounds
#   SIZES="300000" ROUNDS=1 tests/bench/formats.sh
#   BIN=/path/to/udfald tests/bench/formats.sh # a given build (default: cargo build --release)
#
# Needs GNU time (/usr/bin/time) and ReadStat (`apt-get install readstat`), which writes .sas7bdat
# only from .dta. Data goes to $BENCH_DIR (default /tmp/udfald-bench/formats), outside the
# repository, generated once per size and reused; 1,000,000 persons take about 6 GB there.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_DIR="${BENCH_DIR:-/tmp/udfald-bench/formats}"
SIZES="${SIZES:-300000 1000000}"
ROUNDS="${ROUNDS:-2}"
SEED=1
for tool in /usr/bin/time readstat; do
    command -v "$tool" >/dev/null || {
        echo "needs $tool (apt-get install -y time readstat)" >&2
        exit 2
    }
done
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
    BIN="${CARGO_TARGET_DIR:-target}/release/udfald"
fi
mkdir -p "$BENCH_DIR"

for persons in $SIZES; do
    csv="$BENCH_DIR/csv-$persons" dta="$BENCH_DIR/dta-$persons" sas="$BENCH_DIR/sas-$persons"
    [ -f "$csv/dataset.toml" ] || "$BIN" synth --persons "$persons" --seed "$SEED" --out "$csv" --quiet
    [ -f "$dta/dataset.toml" ] || "$BIN" synth --persons "$persons" --seed "$SEED" --out "$dta" --format dta --quiet
    if [ ! -f "$sas/dataset.toml" ]; then
        mkdir -p "$sas"
        for role in cohort dream income; do
            readstat "$dta/$role.dta" "$sas/$role.sas7bdat" >/dev/null 2>&1
        done
        sed 's/\.dta"/.sas7bdat"/' "$dta/dataset.toml" >"$sas/dataset.toml"
    fi
done

echo "| persons | format | round | wall s | peak GiB |"
echo "|---|---|---|---|---|"
for persons in $SIZES; do
    for round in $(seq 1 "$ROUNDS"); do
        for format in csv dta sas; do
            data="$BENCH_DIR/$format-$persons"
            /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time.txt" \
                "$BIN" validate --data "$data" >"$BENCH_DIR/validate-$format-$persons.txt" 2>/dev/null
            read -r wall kb <"$BENCH_DIR/time.txt"
            printf "| %s | %s | %s | %.1f | %.2f |\n" "$persons" "$format" "$round" "$wall" \
                "$(echo "$kb / 1048576" | bc -l)"
        done
    done
    # validate prints the same facts whatever the format, apart from the files' names and how
    # each was read.
    for format in dta sas; do
        sed 's/\.\(dta\|sas7bdat\|csv\)\b/.X/g; s#'"$BENCH_DIR"'/[a-z]*-#DIR-#g; s/read as [A-Za-z]*, text [^;]*;/read as F;/' \
            "$BENCH_DIR/validate-$format-$persons.txt" >"$BENCH_DIR/a.txt"
        sed 's/\.\(dta\|sas7bdat\|csv\)\b/.X/g; s#'"$BENCH_DIR"'/[a-z]*-#DIR-#g; s/read as [A-Za-z]*, text [^;]*;/read as F;/' \
            "$BENCH_DIR/validate-csv-$persons.txt" >"$BENCH_DIR/b.txt"
        if cmp -s "$BENCH_DIR/a.txt" "$BENCH_DIR/b.txt"; then
            echo "$persons: validate of $format prints what validate of csv prints" >&2
        else
            echo "$persons: validate of $format DIFFERS from csv:" >&2
            diff "$BENCH_DIR/b.txt" "$BENCH_DIR/a.txt" >&2 || true
        fi
    done
done
