#!/usr/bin/env bash
# bench-noise.sh — how often does `bench.regression` fire when nothing
# changed, and how often does it catch a head that is 30% slower?
# Runs trials the way benches/bench-base-head.sh runs a pull request's
# benchmarks: R rounds of base and head (criterion --save-baseline base, then
# --baseline-lenient base; the order alternating per round, ending base,head;
# a head-first round's change inverted), each round's change estimates kept.
# Every trial is judged by tollgate's own bench.regression at several
# thresholds twice: each round alone (R=1, a single comparison, as a record
# without `rounds` is judged) and all rounds together (the record's
# `rounds`). Prints the false-alarm rate (same code as base and head) and the
# detection rate (a head doing 30% more work) per threshold
# (docs/benchmarks.md, "Noise").
#
# Usage: benches/bench-noise.sh [TRIALS] [SLOW_TRIALS]   (default 60 20)
#   env: NOISE_ROUNDS  rounds per trial (default 3)
#        NOISE_CRATE   the crate whose benchmarks run (default: the fixture
#                      crate fixtures/bench-crate, whose `const ROUNDS` in
#                      benches/spin.rs is the knob: the slow head's copy has
#                      it 30% larger)
#        SLOWDOWN      percent more work in the slow head (default 30)
#        CARGO_BENCH_ARGS  (default "--offline --locked")
#        CRITERION_ARGS    (default: short rounds, "--warm-up-time 0.2
#                      --measurement-time 0.5 --nresamples 20000")
#        THRESHOLDS    percent limits judged (default "5 10 15 20 30 50 75")
#        NOISE_OUT     each round's change and interval, one line per round
#                      (default target/bench-noise/rounds.tsv)
#        TOLLGATE      the binary (default target/debug/tollgate, built
#                      if missing; a debug build judges a small tree fast enough)
#
# The unchanged trials' base and head are one build (the same executable):
# this measures the machine's noise and criterion's interval, not compiler
# nondeterminism. Run it on an otherwise normal machine (the point is the
# noise of the machine you have); never under CI=true.
set -euo pipefail

if [ "${CI:-}" = true ]; then
  echo "bench-noise.sh: a measurement, not a CI step; refusing under CI=true" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRIALS="${1:-60}"
SLOW_TRIALS="${2:-20}"
R="${NOISE_ROUNDS:-3}"
SLOWDOWN="${SLOWDOWN:-30}"
CRATE="$(cd "${NOISE_CRATE:-$ROOT/fixtures/bench-crate}" && pwd)"
read -r -a cargo_args <<< "${CARGO_BENCH_ARGS:---offline --locked}"
read -r -a criterion_args <<< "${CRITERION_ARGS:---warm-up-time 0.2 --measurement-time 0.5 --nresamples 20000}"
read -r -a thresholds <<< "${THRESHOLDS:-5 10 15 20 30 50 75}"
TOLLGATE="${TOLLGATE:-$ROOT/target/debug/tollgate}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/bench-noise}"
[ -x "$TOLLGATE" ] || (cd "$ROOT" && cargo build --locked --bin tollgate)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CRITERION_HOME="$work/criterion"

# The base and the slow head: copies of the crate, the head's knob raised.
for side in base slow; do
  mkdir -p "$work/$side"
  (cd "$CRATE" && cp -R Cargo.toml Cargo.lock src benches "$work/$side/")
done
knob="$(grep -o 'const ROUNDS: u64 = [0-9_]*;' "$work/slow/benches/spin.rs" | head -1 || true)"
if [ -z "$knob" ]; then
  echo "bench-noise.sh: no \`const ROUNDS: u64 = N;\` knob in $CRATE/benches/spin.rs" >&2
  exit 2
fi
work_units="$(tr -dc 0-9 <<< "${knob#const ROUNDS: u64}")"
sed -i "s/$knob/const ROUNDS: u64 = $((work_units * (100 + SLOWDOWN) / 100));/" "$work/slow/benches/spin.rs"

# Each side built once, its executable copied aside (as bench-base-head.sh
# does), so no build lands inside a trial.
for side in base slow; do
  # cargo rebuilds by modification times, and both copies build to the same
  # file: the copy built second must be newer than the first one's output.
  sleep 1
  find "$work/$side" -type f -exec touch {} +
  exe="$(cd "$work/$side" && cargo bench "${cargo_args[@]}" --no-run --message-format=json-render-diagnostics \
    | jq -r 'select(.reason == "compiler-artifact" and .executable != null and .profile.test) | .executable' | head -1)"
  cp "$exe" "$work/$side.bin"
done

run() { # side, save|compare
  local mode=(--save-baseline base)
  [ "$2" = compare ] && mode=(--baseline-lenient base)
  (cd "$work/base" && "$work/$1.bin" --bench "${criterion_args[@]}" "${mode[@]}") > /dev/null 2>&1
}

# The judge's scratch repository: one policy per threshold, and the record
# naming the rounds (its head and base are the scratch commit, which is
# what a local check judges).
judge="$work/judge"
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
sha="$(git -C "$judge" rev-parse HEAD)"
single="$work/single"
cp -R "$judge" "$single"

# How many of the trial's judgements at threshold $2 failed (rounds alone
# or together, $1).
fired() { # single|rounds, threshold, bench tree
  local dir="$judge"
  [ "$1" = single ] && dir="$single"
  (cd "$dir" && "$TOLLGATE" check --local --gate "t$2" --bench "$3" --format json || true) \
    | jq '[.rules[] | select(.id | startswith("bench.regression")) | select(.status == "fail")] | length'
}

declare -A hits
for kind in same slow; do
  for t in "${thresholds[@]}"; do hits[$kind,1,$t]=0; hits[$kind,R,$t]=0; done
done
rounds_out="${NOISE_OUT:-$ROOT/target/bench-noise/rounds.tsv}"
mkdir -p "$(dirname "$rounds_out")"
printf 'trial\tkind\tround\tlow%%\tchange%%\thigh%%\n' > "$rounds_out"
start=$(date +%s)
load_before="$(uptime)"
total=$((TRIALS + SLOW_TRIALS))
for ((trial = 1; trial <= total; trial++)); do
  if ((trial <= TRIALS)); then kind=same head=base; else kind=slow head=slow; fi
  rm -rf "$judge/target"
  list=""
  for ((r = 1; r <= R; r++)); do
    rm -rf "$CRITERION_HOME"
    if (((R - r) % 2 == 1)); then
      run "$head" save && run base compare
      reversed=true
    else
      run base save && run "$head" compare
      reversed=false
    fi
    out="$judge/target/criterion-rounds/r$r"
    while IFS= read -r -d '' change; do
      dir="$(dirname "$(dirname "$change")")"
      rel="${dir#"$CRITERION_HOME"/}"
      mkdir -p "$out/$rel/new" "$out/$rel/change"
      cp "$dir/new/benchmark.json" "$out/$rel/new/" 2> /dev/null || true
      cp "$dir/new/estimates.json" "$out/$rel/new/estimates.json"
      if [ "$reversed" = true ]; then
        jq -c 'def inv: {confidence_interval: {confidence_level: .confidence_interval.confidence_level,
                 lower_bound: (1 / (1 + .confidence_interval.upper_bound) - 1),
                 upper_bound: (1 / (1 + .confidence_interval.lower_bound) - 1)},
               point_estimate: (1 / (1 + .point_estimate) - 1)};
               {mean: (.mean | inv), median: (.median | if . == null then null else inv end)}' \
          "$change" > "$out/$rel/change/estimates.json"
      else
        cp "$change" "$out/$rel/change/estimates.json"
      fi
      jq -r --arg t "$trial" --arg k "$kind" --arg r "$r" \
        '[$t, $k, $r, .mean.confidence_interval.lower_bound * 100, .mean.point_estimate * 100, .mean.confidence_interval.upper_bound * 100] | @tsv' \
        "$out/$rel/change/estimates.json" >> "$rounds_out"
    done < <(find "$CRITERION_HOME" -path '*/change/estimates.json' -print0)
    list="$list${list:+, }\"target/criterion-rounds/r$r\""
  done
  printf '{"base": "%s", "head": "%s", "tool": "criterion", "base_ran": true, "rounds": [%s]}\n' \
    "$sha" "$sha" "$list" > "$judge/target/tollgate-bench.json"
  for t in "${thresholds[@]}"; do
    for ((r = 1; r <= R; r++)); do
      hits[$kind,1,$t]=$((hits[$kind,1,$t] + $(fired single "$t" "$judge/target/criterion-rounds/r$r")))
    done
    hits[$kind,R,$t]=$((hits[$kind,R,$t] + $(fired rounds "$t" "$judge/target/criterion-rounds/r$R")))
  done
  if ((trial % 10 == 0)); then echo "trial $trial/$total ($(($(date +%s) - start))s)" >&2; fi
done

echo "bench-noise: $TRIALS unchanged trials and $SLOW_TRIALS with a head doing $SLOWDOWN% more work, $R rounds each, $(($(date +%s) - start))s"
echo "crate: $CRATE; criterion: ${criterion_args[*]}"
echo "load before: $load_before"
echo "load after:  $(uptime)"
echo "each round's change: $rounds_out"
awk -F'\t' 'NR > 1 { n[$2]++; if (!($2 in lo) || $4 > lo[$2]) lo[$2] = $4; if (!($2 in mi) || $4 < mi[$2]) mi[$2] = $4 }
  END { for (k in n) printf "%s: %d rounds, lower bounds from %+.2f%% to %+.2f%%\n", k, n[k], mi[k], lo[k] }' "$rounds_out"
printf '%-10s %-22s %-22s %-22s %-22s\n' threshold "false alarms R=1" "false alarms R=$R" "detected R=1" "detected R=$R"
for t in "${thresholds[@]}"; do
  awk -v t="$t" -v a="${hits[same,1,$t]}" -v b="${hits[same,R,$t]}" -v c="${hits[slow,1,$t]}" -v d="${hits[slow,R,$t]}" \
    -v n1=$((TRIALS * R)) -v n3="$TRIALS" -v s1=$((SLOW_TRIALS * R)) -v s3="$SLOW_TRIALS" \
    'function p(x, n) { return sprintf("%d/%d (%.1f%%)", x, n, n ? 100 * x / n : 0) }
     BEGIN { printf "+%-9s %-22s %-22s %-22s %-22s\n", t "%", p(a, n1), p(b, n3), p(c, s1), p(d, s3) }'
done
