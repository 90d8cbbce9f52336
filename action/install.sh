#!/usr/bin/env bash
# Installs tollgate into $TOLLGATE_DIR with cargo (GitHub-hosted runners have
# a Rust toolchain; a cache hit skips this step and needs none).
set -euo pipefail
if ! command -v cargo >/dev/null; then
  echo "::error title=tollgate::cargo is not on PATH: install a Rust toolchain before this action, or use a GitHub-hosted runner"
  exit 2
fi
export CARGO_TERM_COLOR=never
if [ -n "${INPUT_VERSION:-}" ]; then
  cargo install --locked --root "$TOLLGATE_DIR" tollgate --version "=$INPUT_VERSION"
else
  CARGO_TARGET_DIR="${RUNNER_TEMP:-/tmp}/tollgate-build" \
    cargo install --locked --root "$TOLLGATE_DIR" --path "$GITHUB_ACTION_PATH"
fi
"$TOLLGATE_DIR/bin/tollgate" --version
