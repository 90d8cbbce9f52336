#!/usr/bin/env bash
# Runs every fuzz target in turn over its corpus (fuzz/corpus/<target>/),
# each for SECONDS (default 120), under nice, and prints one line per target:
# executions, exec/s, seconds, and the crash artifact if any (docs/fuzzing.md).
# Usage: fuzz/run-all.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
max_len() {
    case $1 in
    lcov | cobertura | clover | jacoco | sonar | llvm_json | coveragepy_json | go_cover | detect | junit | audit | bench_json | github_api | artifact) echo 65536 ;;
    *) echo 16384 ;;
    esac
}
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    start=$(date +%s)
    nice -n 19 cargo +nightly fuzz run -a "$t" "corpus/$t" -- \
        -rss_limit_mb=2048 -max_len="$(max_len "$t")" -max_total_time="$secs" \
        -timeout=10 -print_final_stats=1 >"logs/$t.log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
    crash=$(grep -o 'artifacts/[^ ]*' "logs/$t.log" | head -1)
    printf '%s\texecs=%s\texec/s=%s\ts=%s\trc=%s\t%s\n' "$t" "${execs:-?}" "${rate:-?}" "$took" "$rc" "${crash:-}"
done
