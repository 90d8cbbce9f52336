#!/usr/bin/env bash
# Decides which tollgate binary this run needs and where it is cached.
#
# Without a version, the binary is built from the action's own files: the
# source the caller pinned with `uses: tollgate-rs/tollgate@SHA`, so action
# and binary can never disagree, and nothing is fetched from a registry
# beyond the locked dependencies. The cache key is a hash of that source
# (hashFiles() cannot read outside the workspace), the OS image and the
# architecture (a binary built on one image's glibc may not run on an older
# one).
set -euo pipefail
version="${INPUT_VERSION:-}"
if [ -n "$version" ]; then
  if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
    echo "::error title=tollgate::the version input must be a semver version such as 0.1.0"
    exit 2
  fi
  source_id="crates-io-$version"
else
  source_id="src-$(
    cd "$GITHUB_ACTION_PATH"
    find Cargo.toml Cargo.lock src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32
  )"
fi
image="${ImageOS:-unknown}"
dir="${RUNNER_TOOL_CACHE:-$RUNNER_TEMP}/tollgate/$source_id"
{
  echo "key=tollgate-bin-${RUNNER_OS}-${RUNNER_ARCH}-${image}-${source_id}"
  echo "dir=$dir"
} >> "$GITHUB_OUTPUT"
