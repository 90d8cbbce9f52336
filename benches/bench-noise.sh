#!/usr/bin/env bash
# bench-noise.sh — how often does `bench.regression` fire when nothing changed?
# Runs the SAME commit as base and head N times (criterion --save-baseline
# base, then --baseline-lenient base, as benches/bench-base-head.sh does),
# judges every round with tollgate's own bench.regression rule at several
# thresholds, and prints the false-alarm rate per threshold
# (docs/benchmarks.md, "Noise").
#
# Usage: benches/bench-noise.sh [ROUNDS]          (default 100)
#   env: NOISE_CRATE   the crate whose benchmarks run (default: the fixture
#                      crate fixtures/bench-crate; `.` for tollgate itself)
#        CARGO_BENCH_ARGS  (default "--offline --locked"; for tollgate:
#                      "--locked --bench ingest")
#        CRITERION_ARGS    (default: short rounds, "--warm-up-time 0.2
#                      --measurement-time 0.5 --nresamples 20000")
#        THRESHOLDS    percent limits judged (default "5 10 20 30 50 75 100")
#        NOISE_OUT     where each round's change and interval are written, one
#                      line per benchmark (default target/bench-noise/rounds.tsv)
#        TOLLGATE      the binary (default target/debug/tollgate, built
#                      if missing; a debug build judges a small tree fast enough)
#
# A round's base and head are the same build: this measures the machine's
# noise and criterion's interval, not compiler nondeterminism. Run it on an
# otherwise normal machine (the point is the noise of the machine you have);
# never under CI=true.
set -euo pipefail

if [ "${CI:-}" = true ]; then
  echo "bench-noise.sh: a measurement, not a CI step; refusing under CI=true" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${1:-100}"
CRATE="$(cd "${NOISE_CRATE:-$ROOT/fixtures/bench-crate}" && pwd)"
read -r -a cargo_args <<< "${CARGO_BENCH_ARGS:---offline --locked}"
read -r -a criterion_args <<< "${CRITERION_ARGS:---warm-up-time 0.2 --measurement-time 0.5 --nresamples 20000}"
read -r -a thresholds <<< "${THRESHOLDS:-5 10 20 30 50 75 100}"
TOLLGATE="${TOLLGATE:-$ROOT/target/debug/tollgate}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/bench-noise}"
[ -x "$TOLLGATE" ] || (cd "$ROOT" && cargo build --locked --bin tollgate)

# A scratch repository whose gates are bench.regression at each threshold.
judge="$(mktemp -d)"
trap 'rm -rf "$judge"' EXIT
mkdir -p "$judge/policies"
{
  echo 'policy_dir = "policies"'
  echo '[gates]'
  echo "pull_request = \"t${thresholds[0]}\""
  echo "push = \"t${thresholds[0]}\""
} > "$judge/tollgate.toml"
for t in "${thresholds[@]}"; do
  printf 'schema = 1\nname = "t%s"\nversion = "1.0.0"\n[benchmarks]\nmax_regression = %s\n' "$t" "$t" \
    > "$judge/policies/t$t.toml"
done
git -C "$judge" init -q
git -C "$judge" -c user.name=noise -c user.email=noise@invalid commit -q --allow-empty -m noise

declare -A alarms
for t in "${thresholds[@]}"; do alarms[$t]=0; done
judged=0
rounds_out="${NOISE_OUT:-$ROOT/target/bench-noise/rounds.tsv}"
mkdir -p "$(dirname "$rounds_out")"
printf 'round\tbenchmark\tlow%%\tchange%%\thigh%%\n' > "$rounds_out"
start=$(date +%s)
# cargo rebuilds by modification times: a binary another checkout of this
# crate built later (the integration test's pull requests share the target
# directory) would otherwise pass for this source.
find "$CRATE" -path "$CRATE/target" -prune -o \( -name '*.rs' -o -name Cargo.toml \) -exec touch -c {} +
(cd "$CRATE" && cargo bench "${cargo_args[@]}" --no-run)
for ((round = 1; round <= ROUNDS; round++)); do
  rm -rf "$CARGO_TARGET_DIR/criterion"
  (cd "$CRATE" && cargo bench "${cargo_args[@]}" -- "${criterion_args[@]}" --save-baseline base) > /dev/null 2>&1
  (cd "$CRATE" && cargo bench "${cargo_args[@]}" -- "${criterion_args[@]}" --baseline-lenient base) > /dev/null 2>&1
  for t in "${thresholds[@]}"; do
    report="$(cd "$judge" && "$TOLLGATE" check --local --gate "t$t" --bench "$CARGO_TARGET_DIR/criterion" --format json || true)"
    fired=$(jq '[.rules[] | select(.id | startswith("bench.regression")) | select(.status == "fail")] | length' <<< "$report")
    alarms[$t]=$((alarms[$t] + fired))
  done
  benches=$(jq '[.rules[] | select(.id | startswith("bench.regression"))] | length' <<< "$report")
  jq -r --arg round "$round" '.evidence.bench[] | [$round, .id, (.change_interval_percent // [null, null])[0], .change_percent, (.change_interval_percent // [null, null])[1]] | @tsv' \
    <<< "$report" >> "$rounds_out"
  judged=$((judged + benches))
  if ((round % 10 == 0)); then echo "round $round/$ROUNDS ($(($(date +%s) - start))s)" >&2; fi
done

echo "bench-noise: $ROUNDS rounds, $judged benchmark comparisons, same commit as base and head, $(($(date +%s) - start))s"
echo "crate: $CRATE; criterion: ${criterion_args[*]}"
echo "each round's interval: $rounds_out (worst lower bound: $(awk -F'\t' 'NR > 1 && $3 != "" { if (m == "" || $3 > m) m = $3 } END { printf "%+.2f%%", m }' "$rounds_out"))"
printf '%-12s %-8s %s\n' "threshold" "alarms" "false-alarm rate"
for t in "${thresholds[@]}"; do
  awk -v t="$t" -v a="${alarms[$t]}" -v n="$judged" \
    'BEGIN { printf "+%-11s %-8d %.2f%%\n", t "%", a, (n ? 100 * a / n : 0) }'
done
