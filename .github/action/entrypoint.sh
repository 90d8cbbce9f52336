#!/usr/bin/env bash
# Turns the action's inputs (environment variables, never shell text) into
# the argument vector of `tollgate check` and runs it; tollgate's exit code
# is the step's (a judge in a workflow_run job exits 0 once it has posted).
set -euo pipefail

args=(check)

# Appends `FLAG LINE` for every non-empty line of VALUE (a list input).
add_lines() {
  local flag="$1" value="$2" line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    if [ -n "$line" ]; then args+=("$flag" "$line"); fi
  done <<< "$value"
}

# Appends `FLAG VALUE` when VALUE is not empty.
add_one() {
  if [ -n "$2" ]; then args+=("$1" "$2"); fi
}

add_one --gate "${INPUT_GATE:-}"
add_one --config "${INPUT_CONFIG:-}"
add_one --evidence-dir "${INPUT_EVIDENCE_DIR:-}"
add_lines --coverage "${INPUT_COVERAGE:-}"
add_one --audit "${INPUT_AUDIT:-}"
add_lines --tests "${INPUT_TESTS:-}"
add_lines --bench "${INPUT_BENCH:-}"
add_one --bench-baseline "${INPUT_BENCH_BASELINE:-}"
add_one --base "${INPUT_BASE:-}"
add_lines --override "${INPUT_OVERRIDES:-}"
report="${INPUT_REPORT:-${RUNNER_TEMP:-/tmp}/tollgate/report.json}"
mkdir -p -- "$(dirname -- "$report")"
args+=(--format json --output "$report")
case "${INPUT_GITHUB:-true}" in
  true) args+=(--github) ;;
  false) ;;
  *)
    echo "::error title=tollgate::the github input must be true or false"
    exit 2
    ;;
esac

# Extra arguments: one per line, taken literally.
while IFS= read -r line || [ -n "$line" ]; do
  line="${line%$'\r'}"
  if [ -n "$line" ]; then args+=("$line"); fi
done <<< "${INPUT_ARGS:-}"

exec "${TOLLGATE_BIN:-tollgate}" "${args[@]}"
