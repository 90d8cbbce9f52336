#!/usr/bin/env bash
# compare.sh — time tollgate's coverage readers against the `lcov` crate on the
# same large generated reports, in the same run (issue 5).
#
# Usage: benches/compare.sh [SIZE_MB...]        (default: 100 500)
#   env: BENCH_DIR   where generated files go (default: target/bench-data; never committed)
#        SEED        generator seed (default: 1)
#        RUNS        timed runs per reader and file; the fastest is reported (default: 3)
#        SKIP_LCOV_CRATE=1   time tollgate only
#
# For each size it generates (once, deterministically) an LCOV tracefile and a
# Cobertura XML document, builds `benches/support/compare_ingest.rs` (the `ingest` example) in release mode, runs each
# reader under /usr/bin/time -v, checks that tollgate and the lcov crate report
# the same totals, and prints MB/s, peak RSS and the speed ratio.
#
# Numbers are wall-clock on whatever else the machine is doing: on a shared
# 2-core machine other jobs can halve them. CPU seconds (user+sys) are printed
# too; they are steadier under load.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$ROOT/target/bench-data}"
SEED="${SEED:-1}"
RUNS="${RUNS:-3}"
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(100 500)

if [[ ! -x /usr/bin/time ]]; then
    echo "compare.sh: needs GNU time (apt-get install time)" >&2
    exit 2
fi

cargo build --release --quiet --example ingest --manifest-path "$ROOT/Cargo.toml"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
INGEST="$TARGET_DIR/release/examples/ingest"
mkdir -p "$BENCH_DIR"

# run READER FILE -> prints "summary|seconds|cpu_seconds|rss_kb" for the fastest of $RUNS runs
run() {
    local reader=$1 file=$2 best="" out
    for _ in $(seq "$RUNS"); do
        out=$(/usr/bin/time -v "$INGEST" "$reader" "$file" 2>&1) || {
            echo "compare.sh: $reader failed on $file:" >&2
            echo "$out" >&2
            return 1
        }
        local summary seconds cpu rss
        summary=$(grep '^files=' <<<"$out")
        seconds=$(sed -n 's/^seconds=\([0-9.]*\).*/\1/p' <<<"$out")
        cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.2f", u+s}' <<<"$out")
        rss=$(awk -F': ' '/Maximum resident set size/{print $2}' <<<"$out")
        if [[ -z $best ]] || awk -v a="$seconds" -v b="${best#*|}" 'BEGIN{split(b,x,"|"); exit !(a < x[1])}'; then
            best="$summary|$seconds|$cpu|$rss"
        fi
    done
    echo "$best"
}

row() { # label size_bytes result
    local label=$1 bytes=$2 result=$3
    IFS='|' read -r _ seconds cpu rss <<<"$result"
    awk -v l="$label" -v b="$bytes" -v s="$seconds" -v c="$cpu" -v r="$rss" 'BEGIN{
        printf "  %-22s %8.3f s  %8.1f MB/s  (cpu %5.2f s, %7.1f MB/s)  peak RSS %7.1f MB\n",
               l, s, b/1e6/s, c, (c > 0 ? b/1e6/c : 0), r/1024 }'
}

printf 'tollgate ingest comparison (%s, %s cores, seed %s, best of %s runs)\n' \
    "$(uname -m)" "$(nproc)" "$SEED" "$RUNS"
printf 'load average at start: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

for mb in "${SIZES[@]}"; do
    lcov_file="$BENCH_DIR/lcov-$mb.info"
    xml_file="$BENCH_DIR/cobertura-$mb.xml"
    [[ -s $lcov_file ]] || "$INGEST" gen-lcov "$mb" "$SEED" "$lcov_file"
    [[ -s $xml_file ]] || "$INGEST" gen-cobertura "$mb" "$SEED" "$xml_file"
    lcov_bytes=$(stat -c %s "$lcov_file")
    xml_bytes=$(stat -c %s "$xml_file")

    echo "== LCOV, $mb MB ($lcov_bytes bytes)"
    ours=$(run tollgate "$lcov_file")
    row "tollgate" "$lcov_bytes" "$ours"
    if [[ -z ${SKIP_LCOV_CRATE:-} ]]; then
        theirs=$(run lcov-crate "$lcov_file")
        row "lcov crate 0.8" "$lcov_bytes" "$theirs"
        if [[ ${ours%%|*} != "${theirs%%|*}" ]]; then
            echo "  MISMATCH: tollgate: ${ours%%|*}" >&2
            echo "            lcov:     ${theirs%%|*}" >&2
            exit 1
        fi
        echo "  same totals: ${ours%%|*}"
        awk -v a="$(cut -d'|' -f2 <<<"$ours")" -v b="$(cut -d'|' -f2 <<<"$theirs")" \
            'BEGIN{printf "  ratio: tollgate is %.1fx faster\n", b/a}'
    fi
    echo
    echo "== Cobertura, $mb MB ($xml_bytes bytes)"
    row "tollgate" "$xml_bytes" "$(run tollgate "$xml_file")"
    echo
done
