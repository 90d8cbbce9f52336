#!/usr/bin/env bash
# The long fuzz runs (docs/fuzzing.md): each target in turn over its
# committed corpus (fuzz/corpus/<target>/) until it has done RUNS executions
# (default 10 million) or SECONDS have passed (default 1800), under nice,
# printing one line per target (executions, exec/s, seconds, exit code, the
# crash artifact if any) and appending it to logs/runs.tsv, the tally the
# docs' table is made from.
#
# Usage: fuzz/run-all.sh [SECONDS] [TARGET...]
# Environment:
#   RUNS       execution cap per target (default 10000000)
#   SANITIZER  cargo-fuzz sanitizer: none (default) or address
#   NICE       nice level (default 19)
#   TMPDIR     scratch for the path-reading targets (default /dev/shm)
#
# The build is release with debug assertions and overflow checks on (`-a`):
# an arithmetic overflow is a crash, as in the tests. The sanitizer is off by
# default: our code is `forbid(unsafe_code)`, ASan roughly halves the
# execution rate, and a panic is a crash either way; SANITIZER=address runs
# the ASan build for the dependencies' unsafe code.
#
# What a run finds that adds coverage goes to runs/<target>/ (ignored by
# git), never into the committed corpus: `cargo fuzz cmin` and the 2 KiB
# rule in docs/fuzzing.md decide what is committed.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-1800}
shift || true
targets=("$@")
runs=${RUNS:-10000000}
sanitizer=${SANITIZER:-none}
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
max_len() {
    case $1 in
    lcov | cobertura | clover | jacoco | sonar | llvm_json | coveragepy_json | go_cover | detect | junit | audit | bench_json | github_api | artifact) echo 65536 ;;
    *) echo 16384 ;;
    esac
}
mkdir -p logs runs
# Targets that read a path write each input to a scratch directory under
# TMPDIR: memory-backed /dev/shm, where there is one, keeps the disk from
# setting their pace.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
fi
# One build for every target first, so the first target's clock does not
# count the compile.
nice -n "${NICE:-19}" cargo +nightly fuzz build -a -s "$sanitizer" >logs/build.log 2>&1 || {
    tail -n 40 logs/build.log >&2
    exit 2
}
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "runs/$t"
    start=$(date +%s)
    nice -n "${NICE:-19}" cargo +nightly fuzz run -a -s "$sanitizer" "$t" "runs/$t" "corpus/$t" -- \
        -rss_limit_mb=2048 -max_len="$(max_len "$t")" -max_total_time="$secs" -runs="$runs" \
        -timeout=25 -print_final_stats=1 >"logs/$t.log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
    crash=$(grep -o 'artifacts/[^ ]*' "logs/$t.log" | head -1)
    line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$t" "${execs:-?}" "${rate:-?}" "$took" "$rc" "$sanitizer" "$(date -u +%FT%TZ)" "${crash:-}")
    printf '%s\n' "$line"
    printf '%s\n' "$line" >>logs/runs.tsv
done
