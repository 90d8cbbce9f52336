#!/usr/bin/env bash
# whole-process.sh — the whole `tollgate` process, as users run it, against
# the `lcov` crate and a streaming Python Cobertura reader on the same
# generated files in the same run (issue 14). The successor of compare.sh
# (which times the library readers inside one process).
#
# Usage: benches/whole-process.sh [SIZE_MB...]     (default: 100 200 1000)
#   env: BENCH_DIR  where generated files go (default: target/bench-data; never committed)
#        SEED       generator seed (default: 1)
#        RUNS       runs per command; medians are printed (default: 3)
#        SHAPE_MB   size of the many-small-files vs few-large-files rows (default: 200; 0 skips them)
#        NO_COBERTURA=1   LCOV only
#        MIN_RATIO  fail (exit 1) when `tollgate inspect` on LCOV is fewer than
#                   this many times faster than the `lcov` crate (the CI guard)
#        SKIP_BUILD=1     use the release binaries already built
#
# Wall time is hyperfine's median when hyperfine is installed, else the
# median of the /usr/bin/time runs; peak RSS is the median of /usr/bin/time's
# maximum resident set size. The machine is shared: ratios to the yardsticks
# measured in the same run are the figures to compare across runs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$ROOT/target/bench-data}"
SEED="${SEED:-1}"
RUNS="${RUNS:-3}"
SHAPE_MB="${SHAPE_MB:-200}"
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(100 200 1000)

[[ -x /usr/bin/time ]] || { echo "whole-process.sh: needs GNU time (apt-get install time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "whole-process.sh: needs python3" >&2; exit 2; }

if [[ -z ${SKIP_BUILD:-} ]]; then
    cargo build --release --quiet --locked --bin tollgate --example ingest --manifest-path "$ROOT/Cargo.toml"
fi
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TG="$TARGET_DIR/release/tollgate"
INGEST="$TARGET_DIR/release/examples/ingest"
ITERPARSE="$ROOT/benches/support/cobertura_iterparse.py"
mkdir -p "$BENCH_DIR"

# A throwaway repository with a one-rule policy, for `tollgate check`.
REPO="$(mktemp -d)"
trap 'rm -rf "$REPO"' EXIT
git -C "$REPO" init -q
mkdir -p "$REPO/policies"
printf 'schema = 1\nversion = "1.0.0"\n\n[coverage]\nlines = 1\n' >"$REPO/policies/gate2.toml"

median() { sort -g | awk '{v[NR]=$1} END{print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# measure DIR CMD... -> "wall_s rss_kb"
measure() {
    local dir=$1; shift
    local walls="" rsses="" out
    for _ in $(seq "$RUNS"); do
        out=$(cd "$dir" && /usr/bin/time -f 'TIME %e %M' "$@" 2>&1 >/dev/null) || {
            echo "whole-process.sh: failed: $*" >&2; echo "$out" >&2; return 1; }
        walls+="$(awk '/^TIME /{print $2}' <<<"$out")"$'\n'
        rsses+="$(awk '/^TIME /{print $3}' <<<"$out")"$'\n'
    done
    local wall rss
    wall=$(median <<<"${walls%$'\n'}")
    rss=$(median <<<"${rsses%$'\n'}")
    if command -v hyperfine >/dev/null; then
        local json
        json=$(mktemp)
        (cd "$dir" && hyperfine --runs "$RUNS" --style none --export-json "$json" \
            "$(printf '%q ' "$@")" >/dev/null 2>&1)
        wall=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$json")
        rm -f "$json"
    fi
    echo "$wall $rss"
}

# row LABEL BYTES "wall rss" [YARDSTICK_WALL]
row() {
    local label=$1 bytes=$2 result=$3 base=${4:-}
    awk -v l="$label" -v b="$bytes" -v r="$result" -v base="$base" 'BEGIN{
        split(r, x, " ");
        ratio = (base != "" ? sprintf("%.1fx", base / x[1]) : "");
        printf "| %-44s | %7.3f s | %7.1f MB/s | %7.1f MB | %s |\n", l, x[1], b/1e6/x[1], x[2]/1024, ratio }'
}

header() {
    echo "| command | wall (median) | MB/s | peak RSS | vs yardstick (same file, same run) |"
    echo "|---|---|---|---|---|"
}

printf 'tollgate whole-process comparison (%s, %s cores, seed %s, medians of %s runs)\n' \
    "$(uname -m)" "$(nproc)" "$SEED" "$RUNS"
printf 'load average at start: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

ratio_failed=""
lcov_rows() { # FILE LABEL
    local file=$1 label=$2 bytes ours check theirs ratio
    bytes=$(stat -c %s "$file")
    theirs=$(measure "$ROOT" "$INGEST" lcov-crate "$file")
    ours=$(measure "$ROOT" "$TG" inspect "$file")
    check=$(measure "$REPO" "$TG" check --coverage "$file")
    row "tollgate inspect $label" "$bytes" "$ours" "${theirs%% *}"
    row "tollgate check --coverage $label" "$bytes" "$check" "${theirs%% *}"
    row "lcov crate 0.8 (ingest lcov-crate) $label" "$bytes" "$theirs"
    ratio=$(awk -v a="${ours%% *}" -v b="${theirs%% *}" 'BEGIN{printf "%.2f", b/a}')
    if [[ -n ${MIN_RATIO:-} ]] && awk -v r="$ratio" -v m="$MIN_RATIO" 'BEGIN{exit !(r < m)}'; then
        ratio_failed+="$label: ${ratio}x < ${MIN_RATIO}x; "
    fi
}

header
for mb in "${SIZES[@]}"; do
    lcov_file="$BENCH_DIR/lcov-$mb.info"
    [[ -s $lcov_file ]] || "$INGEST" gen-lcov "$mb" "$SEED" "$lcov_file"
    lcov_rows "$lcov_file" "LCOV ${mb} MB"
    if [[ -z ${NO_COBERTURA:-} ]]; then
        xml_file="$BENCH_DIR/cobertura-$mb.xml"
        [[ -s $xml_file ]] || "$INGEST" gen-cobertura "$mb" "$SEED" "$xml_file"
        bytes=$(stat -c %s "$xml_file")
        theirs=$(measure "$ROOT" python3 "$ITERPARSE" "$xml_file")
        row "tollgate inspect Cobertura ${mb} MB" "$bytes" "$(measure "$ROOT" "$TG" inspect "$xml_file")" "${theirs%% *}"
        row "python iterparse Cobertura ${mb} MB" "$bytes" "$theirs"
    fi
done
if [[ $SHAPE_MB != 0 ]]; then
    for files in 40000 400; do
        file="$BENCH_DIR/lcov-$SHAPE_MB-files$files.info"
        [[ -s $file ]] || "$INGEST" gen-lcov "$SHAPE_MB" "$SEED" "$file" "$files"
        lcov_rows "$file" "LCOV ${SHAPE_MB} MB over $files files"
    done
fi
printf '\nload average at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n $ratio_failed ]]; then
    echo "whole-process.sh: REGRESSION: $ratio_failed" >&2
    exit 1
fi
