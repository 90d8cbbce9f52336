#!/usr/bin/env bash
# bench-base-head.sh — benchmark a base commit and the head in one job, on one
# machine, back to back, and record which commits were compared
# (docs/benchmarks.md). The evidence workflow runs this file; `tollgate init`
# writes the same steps into the workflow it generates.
#
# Run it from the head's checkout (with the base commit's history fetched:
# actions/checkout with fetch-depth: 0).
#
#   env: BENCH_BASE    the base commit or ref (a pull request's base sha: the
#                      merge base of it and HEAD is benchmarked); empty: the
#                      head runs alone, with no baseline and no record
#        BENCH_TOOL    criterion (default) or command
#        CARGO_BENCH_ARGS  arguments to `cargo bench` (criterion), e.g.
#                      "--locked --bench ingest"
#        CRITERION_ARGS    arguments for criterion itself, e.g.
#                      "--warm-up-time 1 --measurement-time 3"
#        BENCH_CMD     (command) a command run in each tree that writes a
#                      hyperfine or BMF JSON file to "$BENCH_OUT"
#        BENCH_RESULTS (command) where the head's file goes
#                      (default target/bench-head.json; the base's goes to
#                      target/bench-base.json: name them in tollgate.toml
#                      [evidence] bench and bench_baseline)
#        BENCH_RECORD  the record (default target/tollgate-bench.json)
#
# criterion cannot interleave rounds of two builds: the base runs all its
# benchmarks, then the head runs all of its. Both use one CARGO_TARGET_DIR
# (the head's build reuses the base's dependencies) and one criterion
# directory, CRITERION_HOME (default target/criterion), where the base's
# figures are the saved baseline `base`.
#
# A base that does not build, or has no such benchmark, does not stop the
# head: its benchmarks then have no baseline, and tollgate says
# `skipped: new benchmark` for each (the record says base_ran: false).
# The script exits 0 whatever the benchmarks did: a failure is evidence for
# the judge, and missing output fails the gate closed there.
set -uo pipefail

tool="${BENCH_TOOL:-criterion}"
record="${BENCH_RECORD:-target/tollgate-bench.json}"
head="$(git rev-parse HEAD)" || exit 0
root="$(pwd -P)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
case "$CARGO_TARGET_DIR" in /*) ;; *) CARGO_TARGET_DIR="$root/$CARGO_TARGET_DIR" ;; esac
# criterion's tree stays at target/criterion, where tollgate looks by
# default, wherever the builds go.
export CRITERION_HOME="${CRITERION_HOME:-$root/target/criterion}"
mkdir -p "$CARGO_TARGET_DIR" "$(dirname "$record")"
read -r -a cargo_args <<< "${CARGO_BENCH_ARGS:-}"
read -r -a criterion_args <<< "${CRITERION_ARGS:-}"
head_out="${BENCH_RESULTS:-target/bench-head.json}"
base_out="$(dirname "$head_out")/bench-base.json"

base=""
if [ -n "${BENCH_BASE:-}" ] && ! [[ "${BENCH_BASE}" =~ ^0+$ ]]; then
  base="$(git merge-base "$BENCH_BASE" "$head")" \
    || echo "::warning title=tollgate-bench::no merge base of $BENCH_BASE and $head: the head runs without a baseline"
fi

# One tree's benchmarks: criterion saving or comparing a baseline, or the
# command writing its JSON to $1.
run_tree() { # dir, criterion mode (save|compare), command output
  case "$tool" in
    criterion)
      if [ "$2" = save ]; then
        (cd "$1" && cargo bench "${cargo_args[@]}" -- "${criterion_args[@]}" --save-baseline base)
      else
        # --baseline-lenient: a benchmark the base lacks runs uncompared
        # instead of aborting the run.
        (cd "$1" && cargo bench "${cargo_args[@]}" -- "${criterion_args[@]}" --baseline-lenient base)
      fi ;;
    command) (cd "$1" && BENCH_OUT="$3" bash -c "$BENCH_CMD") ;;
    *) echo "::error title=tollgate-bench::BENCH_TOOL must be criterion or command, not $tool"; return 2 ;;
  esac
}

# A stale comparison from an earlier run must not stand in for this one.
rm -rf "$CRITERION_HOME" "$root/$base_out" "$root/$head_out" "$root/$record"

base_ran=false
if [ -n "$base" ]; then
  tree="$(mktemp -d)/base"
  if git worktree add --detach --quiet "$tree" "$base"; then
    if run_tree "$tree" save "$root/$base_out"; then
      base_ran=true
    else
      echo "::warning title=tollgate-bench::the base $base did not build or run its benchmarks: the head's have no baseline"
      rm -f "$root/$base_out"
    fi
    git worktree remove --force "$tree"
  fi
  # cargo decides what to rebuild by modification times, and the base's
  # build outputs are newer than the head's checkout: without this the
  # head's benchmarks would be the base's binaries again.
  sleep 1
  git ls-files -z | xargs -0 -r touch -c --
fi

run_tree "$root" compare "$root/$head_out" \
  || echo "::warning title=tollgate-bench::the head's benchmarks failed"

if [ -n "$base" ]; then
  printf '{"base": "%s", "head": "%s", "tool": "%s", "base_ran": %s}\n' \
    "$base" "$head" "$tool" "$base_ran" > "$record"
  echo "compared base $base with head $head ($tool, base ran: $base_ran)"
fi
exit 0
