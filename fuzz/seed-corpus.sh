#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the committed fixtures of each format
# (docs/fuzzing.md). Run from anywhere; existing corpus files are kept.
# Seeds that no fixture provides (SonarQube generic XML, event payloads,
# zip artifacts, criterion bundles) are built here from committed files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"
c=fuzz/corpus
seed() { # target file...
    local t=$1
    shift
    mkdir -p "$c/$t"
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$c/$t/seed-$(printf '%s' "$f" | sha1sum | cut -c1-12)"
    done
}
seed_text() { # target name text
    mkdir -p "$c/$1"
    printf '%s' "$3" >"$c/$1/seed-$2"
}
seed lcov $(find fixtures -name '*.info')
seed cobertura $(grep -rl --include='*.xml' '<coverage' fixtures | xargs grep -L 'version="1"')
seed clover $(find fixtures -name 'clover.xml')
seed jacoco $(find fixtures -name 'jacoco*.xml')
seed_text sonar generic '<coverage version="1"><file path="src/a.go"><lineToCover lineNumber="1" covered="true" branchesToCover="2" coveredBranches="1"/><lineToCover lineNumber="2" covered="false"/></file></coverage>'
seed llvm_json fixtures/coverage/llvm-cov/coverage.json
seed coveragepy_json fixtures/coverage/coveragepy/coverage.json fixtures/patch/coveragepy/coverage.json
seed go_cover fixtures/coverage/go/*.out
seed detect fixtures/coverage/geninfo/run1.info fixtures/coverage/jacoco/jacoco.xml \
    fixtures/coverage/nyc-clover/clover.xml fixtures/coverage/llvm-cov/coverage.json \
    fixtures/coverage/coveragepy/coverage.json fixtures/coverage/go/set.out \
    fixtures/coverage/c8/cobertura-coverage.xml fixtures/tests/pytest-junit.xml \
    fixtures/audit/clean.json fixtures/bench/hyperfine.json
cp "$c/sonar/seed-generic" "$c/detect/seed-sonar"
seed junit $(find fixtures -name '*junit*.xml')
seed audit fixtures/audit/*.json fixtures/audit/*.Cargo.lock
seed bench_json fixtures/bench/*.json
mkdir -p "$c/criterion"
for d in $(find fixtures/bench/criterion -type d -name new); do
    b=$(dirname "$d")
    base=$(find "$b" -mindepth 1 -maxdepth 1 -type d ! -name new ! -name change ! -name report | head -1)
    {
        cat "$d/estimates.json"
        printf '\377'
        [ -n "$base" ] && cat "$base/estimates.json"
        printf '\377'
        [ -f "$b/change/estimates.json" ] && cat "$b/change/estimates.json"
        printf '\377'
        cat "$d/benchmark.json"
    } >"$c/criterion/seed-$(printf '%s' "$b" | sha1sum | cut -c1-12)"
done
seed_text bench_commits record '{"base":"1111111111111111111111111111111111111111","head":"2222222222222222222222222222222222222222","tool":"criterion","base_ran":true,"rounds":["rounds/1/base","rounds/1/head"]}'
seed policy policies/*.toml $(find tests/cmd -name '*.toml' -path '*policies*')
seed config fixtures/example/tollgate.toml $(find tests/cmd -name tollgate.toml)
seed override_document fixtures/overrides/docs/*.txt
mkdir -p "$c/pr_comment" "$c/tag_message"
for d in fixtures/overrides/docs/*.txt; do
    name=$(basename "$d" .txt)
    body=$(printf 'tollgate override\n\n```\n%s\n```\n\n```\n%s\n```\n' "$(cat "$d")" "$(cat "$d.sig" 2>/dev/null || true)")
    printf '%s' "$body" >"$c/pr_comment/seed-$name"
    { cat "$d"; echo; cat "$d.sig" 2>/dev/null || true; } >"$c/tag_message/seed-$name"
done
seed allowed_signers fixtures/overrides/allowed_signers policies/allowed_signers
seed ssh_signature fixtures/overrides/docs/*.sig
seed unified_diff fixtures/patch/coveragepy/changes.diff
seed github_api tests/integration/support/fake_github/examples/*.json
mkdir -p "$c/github_event"
pr='{"action":"opened","number":7,"pull_request":{"number":7,"user":{"login":"dev"},"head":{"sha":"1111111111111111111111111111111111111111","ref":"feature","repo":{"full_name":"acme/widget","fork":false}},"base":{"sha":"2222222222222222222222222222222222222222","ref":"main","repo":{"full_name":"acme/widget"}}},"repository":{"full_name":"acme/widget"}}'
push='{"ref":"refs/tags/v1.2.3","after":"3333333333333333333333333333333333333333","repository":{"full_name":"acme/widget","default_branch":"main"}}'
run='{"action":"completed","workflow_run":{"id":9,"name":"evidence.yml","path":".github/workflows/evidence.yml","event":"pull_request","status":"completed","conclusion":"success","head_sha":"1111111111111111111111111111111111111111","head_branch":"feature","head_repository":{"full_name":"acme/widget"},"pull_requests":[{"number":7}],"run_attempt":1},"repository":{"full_name":"acme/widget","default_branch":"main"}}'
{ printf '\000'; printf '%s' "$pr"; } >"$c/github_event/seed-pull_request"
{ printf '\004'; printf '%s' "$push"; } >"$c/github_event/seed-push"
{ printf '\005'; printf '%s' "$run"; } >"$c/github_event/seed-workflow_run"
mkdir -p "$c/artifact"
python3 - "$c/artifact" <<'PY'
import sys, zipfile
out = sys.argv[1]
with zipfile.ZipFile(f"{out}/seed-evidence", "w", zipfile.ZIP_DEFLATED) as z:
    z.write("fixtures/coverage/geninfo/run1.info", "coverage/lcov.info")
    z.write("fixtures/tests/nextest-junit.xml", "target/junit.xml")
    z.write("fixtures/audit/clean.json", "audit.json")
with zipfile.ZipFile(f"{out}/seed-stored", "w", zipfile.ZIP_STORED) as z:
    z.writestr("coverage/", "")
    z.write("fixtures/coverage/go/set.out", "coverage/cover.out")
PY
du -sh "$c"
