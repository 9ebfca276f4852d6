#!/usr/bin/env bash
# Benchmark of validate, panel and all shipped queries at 100k, 300k and 1M synthetic persons ×
# 5.5 years (run by hand,
# never in CI). Writes a table of wall seconds and peak memory (max RSS) to stdout; the figures in
# docs/performance.md come from this script.
#
#   tests/bench/run.sh                 # all sizes
#   SIZES="100000" tests/bench/run.sh  # one size
#
# Needs GNU time (/usr/bin/time, Debian package `time`). Data goes to $BENCH_DIR (default
# /tmp/udfald-bench), outside the repository; it is generated once per size and seed and reused.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_DIR="${BENCH_DIR:-/tmp/udfald-bench}"
SIZES="${SIZES:-100000 300000 1000000}"
SEED=1
if [ ! -x /usr/bin/time ]; then
    echo "needs /usr/bin/time: apt-get install -y time" >&2
    exit 2
fi
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/udfald"
mkdir -p "$BENCH_DIR"

measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time.txt" "$@" >/dev/null 2>"$BENCH_DIR/stderr.txt" || {
        cat "$BENCH_DIR/stderr.txt" >&2; exit 1; }
    read -r wall kb < "$BENCH_DIR/time.txt"
    printf "| %s | %s | %.1f | %.2f |\n" "$persons" "$label" "$wall" "$(echo "$kb / 1048576" | bc -l)"
}

# The queries that run on the generator's default cohort: a few group by columns only the
# calibrated scenarios have (Tre hovedveje's `pathway`); they are found by trying each query on
# a small dataset of the same shape.
small="$BENCH_DIR/synth-2000-seed$SEED"
if [ ! -f "$small/dataset.toml" ]; then
    "$BIN" synth --persons 2000 --seed "$SEED" --out "$small" >/dev/null 2>&1
fi
QUERIES=()
for query in queries/*.toml; do
    if "$BIN" run "$query" --data "$small" --format json >/dev/null 2>&1; then
        QUERIES+=("$query")
    else
        echo "skipped (does not fit the default cohort): $query" >&2
    fi
done

echo "| persons | step | wall s | peak GiB |"
echo "|---|---|---|---|"
for persons in $SIZES; do
    data="$BENCH_DIR/synth-$persons-seed$SEED"
    if [ ! -f "$data/dataset.toml" ]; then
        measure "synth" "$BIN" synth --persons "$persons" --seed "$SEED" --out "$data"
    fi
    measure "validate" "$BIN" validate --data "$data"
    measure "panel → parquet" "$BIN" panel --data "$data" --out "$BENCH_DIR/panel-$persons.parquet"
    rm -f "$BENCH_DIR/panel-$persons.parquet"
    measure "run queries/ (${#QUERIES[@]} queries)" "$BIN" run "${QUERIES[@]}" --data "$data" --format json --out "$BENCH_DIR/results-$persons.json"
done
du -sh "$BENCH_DIR"/synth-* >&2
