#!/usr/bin/env bash
# Installs tollgate for this job under $RUNNER_TEMP and sets the `bin`
# output to its path.
#
# With a version: `cargo install tollgate --version =X --locked` from
# crates.io. Without: the action's own source (the commit the caller pinned
# with `uses: tollgate-rs/tollgate@SHA`), so action and binary cannot
# disagree. Either way the build runs outside the caller's workspace, with
# the caller's RUSTFLAGS, build target, wrapper and target directory unset
# and the toolchain pinned by RUSTUP_TOOLCHAIN, so nothing the caller's
# repository holds (rust-toolchain.toml, .cargo/config.toml) shapes the
# binary that judges it. Nothing is cached (see action.yml).
set -euo pipefail
version="${INPUT_VERSION:-}"
toolchain="${INPUT_TOOLCHAIN:-}"
if [ -n "$version" ] && ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
  echo "::error title=tollgate::the version input must be a semver version such as 0.1.0"
  exit 2
fi
if [ -n "$toolchain" ] && ! [[ "$toolchain" =~ ^[0-9A-Za-z][0-9A-Za-z._-]*$ ]]; then
  echo "::error title=tollgate::the toolchain input must be a toolchain name such as 1.95.0 or stable"
  exit 2
fi

# macOS runners have no sha256sum; shasum -a 256 prints the same format.
if command -v sha256sum >/dev/null; then
  sha256=(sha256sum)
else
  sha256=(shasum -a 256)
fi
if [ -n "$version" ]; then
  source_id="crates-io-$version"
else
  source_id="src-$(
    cd "$GITHUB_ACTION_PATH"
    find Cargo.toml Cargo.lock src -type f -print0 | LC_ALL=C sort -z | xargs -0 "${sha256[@]}" | "${sha256[@]}" | cut -c1-32
  )"
fi
temp="${RUNNER_TEMP:?RUNNER_TEMP is not set: run this inside GitHub Actions}"
root="$temp/tollgate/$source_id"
bin="$root/bin/tollgate"

# A second use of the action in the same job reuses the binary.
if [ ! -x "$bin" ]; then
  if ! command -v cargo >/dev/null; then
    echo "::error title=tollgate::cargo is not on PATH: install a Rust toolchain before this action, or use a GitHub-hosted runner"
    exit 2
  fi
  cd "$temp"
  unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS RUSTDOCFLAGS \
    CARGO_BUILD_TARGET CARGO_BUILD_TARGET_DIR RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER \
    RUSTC_WORKSPACE_WRAPPER CARGO_INSTALL_ROOT
  export CARGO_TERM_COLOR=never CARGO_TARGET_DIR="$temp/tollgate-build"
  if [ -n "$toolchain" ]; then
    export RUSTUP_TOOLCHAIN="$toolchain"
    if command -v rustup >/dev/null; then
      rustup toolchain install "$toolchain" --profile minimal
    fi
  fi
  if [ -n "$version" ]; then
    cargo install --locked --root "$root" tollgate --version "=$version"
  else
    cargo install --locked --root "$root" --path "$GITHUB_ACTION_PATH"
  fi
fi
"$bin" --version
echo "bin=$bin" >> "$GITHUB_OUTPUT"
