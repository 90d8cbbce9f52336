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
#        NO_COBERTURA=1   LCOV only: no Cobertura, JUnit, whole-check or --version rows
#                   (what the CI guard runs; each also has its own switch below)
#        NO_JUNIT=1       no JUnit rows; JUNIT_CASES (default: 80000) testcases, and a
#                   file of about JUNIT_MB megabytes (default: 100; 0 skips it)
#        NO_CHECK=1       no whole `tollgate check` with every evidence kind
#                   (CHECK_LCOV_MB, default: 200, is its LCOV file)
#        NO_VERSION=1     no `tollgate --version` row
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
JUNIT_ITERPARSE="$ROOT/benches/support/junit_iterparse.py"
if [[ -n ${NO_COBERTURA:-} ]]; then
    NO_JUNIT=1 NO_CHECK=1 NO_VERSION=1
fi
JUNIT_CASES="${JUNIT_CASES:-80000}"
JUNIT_MB="${JUNIT_MB:-100}"
CHECK_LCOV_MB="${CHECK_LCOV_MB:-200}"
mkdir -p "$BENCH_DIR"

# A throwaway repository with a one-rule policy, for `tollgate check`.
REPO="$(mktemp -d)"
trap 'rm -rf "$REPO"' EXIT
git -C "$REPO" init -q
mkdir -p "$REPO/policies"
printf 'schema = 1\nversion = "1.0.0"\n\n[coverage]\nlines = 1\n' >"$REPO/policies/gate2.toml"

median() { sort -g | awk '{v[NR]=$1} END{print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# measure DIR CMD... -> "wall_s rss_kb"; exit codes other than 0 (and
# $OK_EXIT, for a `tollgate check` whose verdict may be a failure) fail.
measure() {
    local dir=$1; shift
    local walls="" rsses="" out status
    for _ in $(seq "$RUNS"); do
        status=0
        out=$(cd "$dir" && /usr/bin/time -f 'TIME %e %M %x' "$@" 2>&1 >/dev/null) || status=$?
        if [[ $status != 0 && $status != "${OK_EXIT:-0}" ]]; then
            echo "whole-process.sh: failed (exit $status): $*" >&2; echo "$out" >&2; return 1
        fi
        walls+="$(awk '/^TIME /{print $2}' <<<"$out")"$'\n'
        rsses+="$(awk '/^TIME /{print $3}' <<<"$out")"$'\n'
    done
    local wall rss
    wall=$(median <<<"${walls%$'\n'}")
    rss=$(median <<<"${rsses%$'\n'}")
    if command -v hyperfine >/dev/null; then
        local json
        json=$(mktemp)
        (cd "$dir" && hyperfine --runs "$RUNS" --style none -N -i --export-json "$json" \
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
        mbs = (b > 0 ? sprintf("%7.1f MB/s", b/1e6/x[1]) : "");
        printf "| %-44s | %7.3f s | %s | %7.1f MB | %s |\n", l, x[1], mbs, x[2]/1024, ratio }'
}

header() {
    echo "| command | wall (median) | MB/s | peak RSS | vs yardstick (same file, same run) |"
    echo "|---|---|---|---|---|"
}

printf 'tollgate whole-process comparison (%s, %s cores, seed %s, medians of %s runs)\n' \
    "$(uname -m)" "$(nproc)" "$SEED" "$RUNS"
printf 'load average at start: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# Figures the goals table reads: GOT[key]="wall rss bytes" (and ratios).
declare -A GOT=()
ratio_failed=""
lcov_rows() { # FILE LABEL [KEY]
    local file=$1 label=$2 key=${3:-} bytes ours check theirs ratio
    bytes=$(stat -c %s "$file")
    theirs=$(measure "$ROOT" "$INGEST" lcov-crate "$file")
    ours=$(measure "$ROOT" "$TG" inspect "$file")
    check=$(measure "$REPO" "$TG" check --coverage "$file")
    row "tollgate inspect $label" "$bytes" "$ours" "${theirs%% *}"
    row "tollgate check --coverage $label" "$bytes" "$check" "${theirs%% *}"
    row "lcov crate 0.8 (ingest lcov-crate) $label" "$bytes" "$theirs"
    ratio=$(awk -v a="${ours%% *}" -v b="${theirs%% *}" 'BEGIN{printf "%.2f", b/a}')
    [[ -z $key ]] || GOT[$key]="$ours $bytes $ratio"
    if [[ -n ${MIN_RATIO:-} ]] && awk -v r="$ratio" -v m="$MIN_RATIO" 'BEGIN{exit !(r < m)}'; then
        ratio_failed+="$label: ${ratio}x < ${MIN_RATIO}x; "
    fi
}

header
for mb in "${SIZES[@]}"; do
    lcov_file="$BENCH_DIR/lcov-$mb.info"
    [[ -s $lcov_file ]] || "$INGEST" gen-lcov "$mb" "$SEED" "$lcov_file"
    lcov_rows "$lcov_file" "LCOV ${mb} MB" "lcov-$mb"
    if [[ -z ${NO_COBERTURA:-} ]]; then
        xml_file="$BENCH_DIR/cobertura-$mb.xml"
        [[ -s $xml_file ]] || "$INGEST" gen-cobertura "$mb" "$SEED" "$xml_file"
        bytes=$(stat -c %s "$xml_file")
        theirs=$(measure "$ROOT" python3 "$ITERPARSE" "$xml_file")
        ours=$(measure "$ROOT" "$TG" inspect "$xml_file")
        row "tollgate inspect Cobertura ${mb} MB" "$bytes" "$ours" "${theirs%% *}"
        row "python iterparse Cobertura ${mb} MB" "$bytes" "$theirs"
        GOT[cobertura-$mb]="$ours $bytes $(awk -v a="${ours%% *}" -v b="${theirs%% *}" 'BEGIN{printf "%.2f", b/a}')"
    fi
done
if [[ $SHAPE_MB != 0 ]]; then
    for files in 40000 400; do
        file="$BENCH_DIR/lcov-$SHAPE_MB-files$files.info"
        [[ -s $file ]] || "$INGEST" gen-lcov "$SHAPE_MB" "$SEED" "$file" "$files"
        lcov_rows "$file" "LCOV ${SHAPE_MB} MB over $files files"
    done
fi

# JUnit: the testcase count of the issue, and a file of about JUNIT_MB MB
# (nextest's shape: about 125 bytes a testcase).
junit_rows() { # TESTCASES LABEL KEY
    local cases=$1 label=$2 key=$3 file bytes ours theirs
    file="$BENCH_DIR/junit-$cases.xml"
    [[ -s $file ]] || "$INGEST" gen-junit "$cases" "$SEED" "$file"
    bytes=$(stat -c %s "$file")
    theirs=$(measure "$ROOT" python3 "$JUNIT_ITERPARSE" "$file")
    ours=$(measure "$ROOT" "$TG" inspect "$file")
    row "tollgate inspect JUnit $label" "$bytes" "$ours" "${theirs%% *}"
    row "python iterparse JUnit $label" "$bytes" "$theirs"
    GOT[$key]="$ours $bytes $(awk -v a="${ours%% *}" -v b="${theirs%% *}" 'BEGIN{printf "%.2f", b/a}')"
}
if [[ -z ${NO_JUNIT:-} ]]; then
    junit_rows "$JUNIT_CASES" "$JUNIT_CASES testcases" junit-cases
    if [[ $JUNIT_MB != 0 ]]; then
        big_cases=$((JUNIT_MB * 1000000 / 125))
        junit_rows "$big_cases" "${JUNIT_MB} MB ($big_cases testcases)" junit-big
    fi
fi

# A whole `tollgate check` with every evidence kind: a CHECK_LCOV_MB LCOV, a
# real cargo-audit report, two JUnit files (the generated one and a real
# nextest report) and a real criterion tree. Some rules fail (the generated
# tests hold failures, the audit fixture has no database date), so exit 1,
# a verdict, is expected; exit 2, an input error, is not.
if [[ -z ${NO_CHECK:-} ]]; then
    check_lcov="$BENCH_DIR/lcov-$CHECK_LCOV_MB.info"
    [[ -s $check_lcov ]] || "$INGEST" gen-lcov "$CHECK_LCOV_MB" "$SEED" "$check_lcov"
    check_junit="$BENCH_DIR/junit-$JUNIT_CASES.xml"
    [[ -s $check_junit ]] || "$INGEST" gen-junit "$JUNIT_CASES" "$SEED" "$check_junit"
    ALL="$REPO/all"
    mkdir -p "$ALL/policies"
    git -C "$ALL" init -q
    cat >"$ALL/policies/gate2.toml" <<'POLICY'
schema = 1
version = "1.0.0"

[coverage]
lines = 1
branches = 1
functions = 1

[audit]
fail_on = "high"

[tests]
min_tests = 1

[[benchmarks.slo]]
bench = "*"
max = "1s"
POLICY
    bytes=$(( $(stat -c %s "$check_lcov") + $(stat -c %s "$check_junit") ))
    check=$(OK_EXIT=1 measure "$ALL" "$TG" check --coverage "$check_lcov" \
        --audit "$ROOT/fixtures/audit/vulnerable.json" \
        --tests "$check_junit" --tests "$ROOT/fixtures/tests/nextest-junit.xml" \
        --bench "$ROOT/fixtures/bench/criterion")
    row "tollgate check, every evidence kind (${CHECK_LCOV_MB} MB LCOV, audit, 2 JUnit, criterion)" "$bytes" "$check"
    GOT[check-all]="$check $bytes"
fi
if [[ -z ${NO_VERSION:-} ]]; then
    version=$(RUNS=$((RUNS * 10)) measure "$ROOT" "$TG" --version)
    row "tollgate --version" 0 "$version"
    GOT[version]="$version"
fi

# How cost grows with size: the same generator at the smallest and largest
# sizes run; linear means the same MB/s at both.
if [[ ${#SIZES[@]} -gt 1 ]]; then
    small=${SIZES[0]} large=${SIZES[-1]}
    echo
    for kind in lcov cobertura; do
        [[ -n ${GOT[$kind-$small]:-} && -n ${GOT[$kind-$large]:-} ]] || continue
        read -r ws _ bs _ <<<"${GOT[$kind-$small]}"
        read -r wl _ bl _ <<<"${GOT[$kind-$large]}"
        awk -v k="$kind" -v s="$small" -v l="$large" -v ws="$ws" -v wl="$wl" -v bs="$bs" -v bl="$bl" 'BEGIN{
            printf "Linearity, %s %s MB -> %s MB: %.1fx the bytes, %.1fx the time (%.2f of linear)\n",
                k, s, l, bl/bs, wl/ws, (wl/ws)/(bl/bs) }'
        GOT[linear-$kind]=$(awk -v ws="$ws" -v wl="$wl" -v bs="$bs" -v bl="$bl" 'BEGIN{printf "%.2f", (wl/ws)/(bl/bs)}')
    done
fi

# Every goal of issue 14 the rows above measured, and whether it is met.
goal() { # GOAL MEASURED MET(0/1, or "" for not measured)
    local met
    case $3 in 1) met="met" ;; 0) met="**not met**" ;; *) met="not measured" ;; esac
    printf '| %s | %s | %s |\n' "$1" "$2" "$met"
}
mbs_of() { awk -v w="$1" -v b="$2" 'BEGIN{printf "%.0f", b/1e6/w}'; }
check_goal() { # KEY GOAL CONDITION-ON(mbs,rss,ratio,wall) DESCRIBE
    local key=$1 text=$2 cond=$3
    if [[ -z ${GOT[$key]:-} ]]; then goal "$text" "" ""; return; fi
    read -r w r b ratio <<<"${GOT[$key]}"
    local mbs rssmb
    mbs=$(mbs_of "$w" "${b:-0}")
    rssmb=$(awk -v r="$r" 'BEGIN{printf "%.0f", r/1024}')
    local measured met
    measured=$(awk -v w="$w" -v m="$mbs" -v r="$rssmb" -v x="${ratio:-}" 'BEGIN{
        printf "%.3f s", w; if (m > 0) printf ", %s MB/s", m; printf ", %s MB", r; if (x != "") printf ", %sx", x }')
    met=$(awk -v w="$w" -v mbs="$mbs" -v rss="$rssmb" -v ratio="${ratio:-0}" "BEGIN{print ($cond) ? 1 : 0}")
    goal "$text" "$measured" "$met"
}
echo
echo "| goal (issue 14) | measured | |"
echo "|---|---|---|"
check_goal lcov-200 "LCOV 200 MB: >= 1 GB/s, >= 12x the lcov crate, <= 128 MB" "mbs >= 1000 && ratio >= 12 && rss <= 128"
check_goal lcov-1000 "LCOV 1 GB: <= 256 MB" "rss <= 256"
check_goal cobertura-100 "Cobertura 100 MB: >= 400 MB/s, <= 64 MB" "mbs >= 400 && rss <= 64"
check_goal junit-cases "JUnit $JUNIT_CASES testcases: < 50 ms" "w < 0.050"
check_goal junit-big "JUnit ${JUNIT_MB} MB: >= 200 MB/s" "mbs >= 200"
check_goal check-all "tollgate check, every evidence kind: < 0.4 s" "w < 0.4"
check_goal version "tollgate --version: about 1 ms (<= 2 ms)" "w <= 0.002"
for kind in lcov cobertura; do
    if [[ -n ${GOT[linear-$kind]:-} ]]; then
        goal "$kind ${SIZES[0]} MB -> ${SIZES[-1]} MB linear (time within 1.2x of the size ratio)" \
            "${GOT[linear-$kind]} of linear" "$(awk -v x="${GOT[linear-$kind]}" 'BEGIN{print (x <= 1.2) ? 1 : 0}')"
    fi
done
printf '\nload average at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n $ratio_failed ]]; then
    echo "whole-process.sh: REGRESSION: $ratio_failed" >&2
    exit 1
fi
