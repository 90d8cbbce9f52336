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
#        BENCH_ROUNDS  (criterion) rounds of base and head (default 3;
#                      docs/benchmarks.md measures why): the judge takes the
#                      median round, so one disturbed round cannot fail a
#                      pull request
#
# Both trees are built once, before anything is timed (one CARGO_TARGET_DIR:
# the head's build reuses the base's dependencies), and their benchmark
# executables are copied aside, so no rebuild lands between rounds. Then
# criterion runs R rounds, each the base and the head back to back, the
# order alternating (base,head / head,base / ... ending with base,head) so
# slow drift of the machine does not always land on the same side. A
# round run head-first saves the head as the baseline; its change is
# inverted (criterion's change is a ratio of means, and its bootstrap
# interval maps exactly under 1/x) so every round says head against base.
# Each round's change estimates go to target/criterion-rounds/rN (small:
# three estimates files per benchmark), listed in the record's `rounds`;
# target/criterion (CRITERION_HOME) is the last round's tree.
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

rounds="${BENCH_ROUNDS:-3}"
[[ "$rounds" =~ ^[1-9][0-9]?$ ]] || { echo "::warning title=tollgate-bench::BENCH_ROUNDS must be 1 to 99, not $rounds: running 1"; rounds=1; }
rounds_dir="$root/target/criterion-rounds"
bins="$(mktemp -d)"

# Builds the criterion benchmarks of the tree in $1 and copies each
# executable, with the package directory cargo would run it in, to $bins/$2.
build_criterion() { # dir, side
  local list
  mkdir -p "$bins/$2"
  list="$(cd "$1" && cargo bench "${cargo_args[@]}" --no-run --message-format=json-render-diagnostics)" || return 1
  jq -r 'select(.reason == "compiler-artifact" and .executable != null and .profile.test) | [.executable, (.manifest_path | sub("/Cargo.toml$"; ""))] | @tsv' \
    <<< "$list" > "$bins/$2/list.tsv" || return 1
  [ -s "$bins/$2/list.tsv" ] || return 1
  local n=0 exe pkg
  : > "$bins/$2/run.tsv"
  while IFS=$'\t' read -r exe pkg; do
    n=$((n + 1))
    cp "$exe" "$bins/$2/bench$n" || return 1
    printf '%s\t%s\n' "$bins/$2/bench$n" "$pkg" >> "$bins/$2/run.tsv"
  done < "$bins/$2/list.tsv"
}

# Runs one side's copied executables as `cargo bench` would (with --bench,
# in the package's directory), saving or comparing baseline `base`.
run_criterion() { # side, save|compare
  local mode=(--save-baseline base) exe pkg status=0
  [ "$2" = compare ] && mode=(--baseline-lenient base) # a benchmark the base lacks runs uncompared
  while IFS=$'\t' read -r exe pkg; do
    (cd "$pkg" && CARGO_MANIFEST_DIR="$pkg" "$exe" --bench "${criterion_args[@]}" "${mode[@]}") || status=1
  done < "$bins/$1/run.tsv"
  return "$status"
}

# Copies the round's comparisons out of the criterion tree before the next
# round overwrites it: new/, base/ and change/ estimates of each benchmark
# with a change. A head-first round's tree holds base against head: new/
# and base/ swap, and the change r is inverted to 1/(1+r)-1.
keep_round() { # round number, reversed (true|false)
  local out="$rounds_dir/r$1" change dir rel
  mkdir -p "$out"
  while IFS= read -r -d '' change; do
    dir="$(dirname "$(dirname "$change")")"
    rel="${dir#"$CRITERION_HOME"/}"
    mkdir -p "$out/$rel/new" "$out/$rel/base" "$out/$rel/change"
    [ -f "$dir/new/benchmark.json" ] && cp "$dir/new/benchmark.json" "$out/$rel/new/"
    if [ "$2" = true ]; then
      cp "$dir/base/estimates.json" "$out/$rel/new/estimates.json"
      cp "$dir/new/estimates.json" "$out/$rel/base/estimates.json"
      jq -c 'def inv: {confidence_interval: {confidence_level: .confidence_interval.confidence_level,
               lower_bound: (1 / (1 + .confidence_interval.upper_bound) - 1),
               upper_bound: (1 / (1 + .confidence_interval.lower_bound) - 1)},
             point_estimate: (1 / (1 + .point_estimate) - 1)};
             {mean: (.mean | inv), median: (.median | if . == null then null else inv end)}' \
        "$change" > "$out/$rel/change/estimates.json"
    else
      cp "$dir/new/estimates.json" "$out/$rel/new/estimates.json"
      cp "$dir/base/estimates.json" "$out/$rel/base/estimates.json"
      cp "$change" "$out/$rel/change/estimates.json"
    fi
  done < <(find "$CRITERION_HOME" -path '*/change/estimates.json' -print0 2>/dev/null)
  [ -n "$(ls -A "$out")" ]
}

# The command harness: BENCH_CMD writing its JSON to $2, in the tree $1.
run_command() { (cd "$1" && BENCH_OUT="$2" bash -c "$BENCH_CMD"); }

case "$tool" in
  criterion | command) ;;
  *) echo "::error title=tollgate-bench::BENCH_TOOL must be criterion or command, not $tool"; exit 0 ;;
esac

# A stale comparison from an earlier run must not stand in for this one.
rm -rf "$CRITERION_HOME" "$rounds_dir" "$root/$base_out" "$root/$head_out" "$root/$record"

base_ran=false
if [ -n "$base" ]; then
  tree="$(mktemp -d)/base"
  if git worktree add --detach --quiet "$tree" "$base"; then
    if [ "$tool" = criterion ]; then
      build_criterion "$tree" base && base_ran=true
    elif run_command "$tree" "$root/$base_out"; then
      base_ran=true
    fi
    [ "$base_ran" = true ] \
      || { echo "::warning title=tollgate-bench::the base $base did not build or run its benchmarks: the head's have no baseline"; rm -f "$root/$base_out"; }
  fi
  # cargo decides what to rebuild by modification times, and the base's
  # build outputs are newer than the head's checkout: without this the
  # head's benchmarks would be the base's binaries again.
  sleep 1
  git ls-files -z | xargs -0 -r touch -c --
fi

kept=()
if [ "$tool" = command ]; then
  run_command "$root" "$root/$head_out" || echo "::warning title=tollgate-bench::the head's benchmarks failed"
  [ -n "$base" ] && [ -d "$tree" ] && git worktree remove --force "$tree"
elif ! build_criterion "$root" head; then
  echo "::warning title=tollgate-bench::the head's benchmarks did not build"
  [ -n "$base" ] && [ -d "$tree" ] && git worktree remove --force "$tree"
elif [ "$base_ran" != true ]; then
  [ -n "$base" ] && [ -d "$tree" ] && git worktree remove --force "$tree"
  run_criterion head compare || echo "::warning title=tollgate-bench::the head's benchmarks failed"
else
  # The base's benchmarks run in the base's checkout (their data files are
  # the base's): the worktree stays until the rounds are done.
  for ((r = 1; r <= rounds; r++)); do
    rm -rf "$CRITERION_HOME"
    # The last round is base,head, so target/criterion compares the head.
    if (((rounds - r) % 2 == 1)); then first=head second=base reversed=true; else first=base second=head reversed=false; fi
    run_criterion "$first" save || echo "::warning title=tollgate-bench::round $r: the $first's benchmarks failed"
    run_criterion "$second" compare || echo "::warning title=tollgate-bench::round $r: the $second's benchmarks failed"
    if keep_round "$r" "$reversed"; then
      kept+=("\"target/criterion-rounds/r$r\"")
    else
      echo "::warning title=tollgate-bench::round $r compared no benchmark"
    fi
  done
  git worktree remove --force "$tree"
fi
rm -rf "$bins"

if [ -n "$base" ]; then
  list=""
  if [ "${#kept[@]}" -gt 1 ]; then list="$(IFS=,; echo ", \"rounds\": [${kept[*]}]")"; fi
  printf '{"base": "%s", "head": "%s", "tool": "%s", "base_ran": %s%s}\n' \
    "$base" "$head" "$tool" "$base_ran" "$list" > "$record"
  echo "compared base $base with head $head ($tool, base ran: $base_ran, rounds kept: ${#kept[@]})"
fi
exit 0
