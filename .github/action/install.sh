#!/usr/bin/env bash
# Installs tollgate for this job under $RUNNER_TEMP and sets the `bin`
# output to its path.
#
# A released binary first: the commit a major tag (`@v1`) points at carries
# .github/action/binaries.sha256, written by release.yml, naming the release
# version, the repository it was published from and the SHA-256 of each
# platform's archive. If it names an archive for this runner (and the
# `version` input is empty or that version), the archive is downloaded from
# the release, checked against the pin before anything in it runs, and
# unpacked. The pin lives in the action's own files, so a release asset
# swapped after the fact is refused (exit 2) rather than run.
#
# Otherwise it builds: with a version, `cargo install tollgate --version =X
# --locked` from crates.io; without, the action's own source (the commit the
# caller pinned with `uses: tollgate-rs/tollgate@SHA`), so action and binary
# cannot disagree. The build runs outside the caller's workspace, with the
# caller's RUSTFLAGS, build target, wrapper and target directory unset and
# the toolchain pinned by RUSTUP_TOOLCHAIN, so nothing the caller's
# repository holds (rust-toolchain.toml, .cargo/config.toml) shapes the
# binary that judges it. Nothing is cached (see action.yml).
set -euo pipefail
version="${INPUT_VERSION:-}"
toolchain="${INPUT_TOOLCHAIN:-}"
semver='^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$'
if [ -n "$version" ] && ! [[ "$version" =~ $semver ]]; then
  echo "::error title=tollgate::the version input must be a semver version such as 0.1.0"
  exit 2
fi
if [ -n "$toolchain" ] && ! [[ "$toolchain" =~ ^[0-9A-Za-z][0-9A-Za-z._-]*$ ]]; then
  echo "::error title=tollgate::the toolchain input must be a toolchain name such as 1.95.0 or stable"
  exit 2
fi
action="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this inside GitHub Actions}"
temp="${RUNNER_TEMP:?RUNNER_TEMP is not set: run this inside GitHub Actions}"
# Git Bash on Windows: RUNNER_TEMP is `D:\a\_temp`; bash wants `/d/a/_temp`.
if command -v cygpath >/dev/null 2>&1; then
  temp="$(cygpath -u "$temp")"
  action="$(cygpath -u "$action")"
fi

# macOS runners have no sha256sum; shasum -a 256 prints the same format.
if command -v sha256sum >/dev/null 2>&1; then
  sha256=(sha256sum)
else
  sha256=(shasum -a 256)
fi

# -------------------------------------------------------------- released binary

# The Rust target of this runner's release archive, or nothing.
runner_target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) ;;
  esac
}

# Unpacks archive $1 into directory $2.
unpack() {
  local archive="$1" into="$2"
  case "$archive" in
    *.tar.gz) tar -xzf "$archive" -C "$into" ;;
    *.zip)
      # Git Bash has no zip support in its GNU tar; unzip may be missing.
      # Windows' own bsdtar reads zips; PowerShell is the last resort. Paths
      # reach PowerShell through the environment, never as code.
      if command -v unzip >/dev/null 2>&1; then
        unzip -q -o "$archive" -d "$into"
      elif [ -n "${SYSTEMROOT:-}" ] && [ -x "$(cygpath -u "$SYSTEMROOT")/System32/tar.exe" ]; then
        "$(cygpath -u "$SYSTEMROOT")/System32/tar.exe" -xf "$(cygpath -w "$archive")" -C "$(cygpath -w "$into")"
      else
        TOLLGATE_ZIP="$(cygpath -w "$archive" 2>/dev/null || echo "$archive")" \
          TOLLGATE_INTO="$(cygpath -w "$into" 2>/dev/null || echo "$into")" \
          powershell -NoProfile -NonInteractive -Command \
          'Expand-Archive -LiteralPath $env:TOLLGATE_ZIP -DestinationPath $env:TOLLGATE_INTO -Force'
      fi
      ;;
    *) return 1 ;;
  esac
}

pins="$action/.github/action/binaries.sha256"
pin_version="" pin_repo="" asset="" want=""
target="$(runner_target)"
if [ -f "$pins" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    case "$line" in
      "# version "*) pin_version="${line#\# version }" ;;
      "# repository "*) pin_repo="${line#\# repository }" ;;
      "#"* | "") ;;
      *)
        # `<sha256>  <asset>` (sha256sum's format; `*` marks binary mode).
        hash="${line%% *}"
        name="${line#* }"
        name="${name# }"
        name="${name#\*}"
        if [ -n "$target" ] && [ -n "$pin_version" ] &&
          { [ "$name" = "tollgate-$pin_version-$target.tar.gz" ] || [ "$name" = "tollgate-$pin_version-$target.zip" ]; }; then
          asset="$name" want="$hash"
        fi
        ;;
    esac
  done < "$pins"
  if ! [[ "$pin_version" =~ $semver ]] || ! [[ "$pin_repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] ||
    { [ -n "$want" ] && ! [[ "$want" =~ ^[0-9a-f]{64}$ ]]; }; then
    echo "::error title=tollgate::$pins is malformed: it needs '# version X.Y.Z', '# repository OWNER/NAME' and '<sha256>  <asset>' lines"
    exit 2
  fi
fi

if [ -n "$asset" ] && { [ -z "$version" ] || [ "$version" = "$pin_version" ]; }; then
  dir="$temp/tollgate/release-$pin_version-$target"
  exe=tollgate
  [ "$target" != x86_64-pc-windows-msvc ] || exe=tollgate.exe
  bin="$dir/tollgate-$pin_version-$target/$exe"
  if [ ! -x "$bin" ]; then
    server="${GITHUB_SERVER_URL:-https://github.com}"
    url="$server/$pin_repo/releases/download/v$pin_version/$asset"
    # The release page redirects to a storage host; curl follows it and,
    # sending no credentials in the first place, has none to leak there.
    # Only the server's own scheme is allowed, on the redirect too.
    scheme="${server%%://*}"
    rm -rf -- "$dir"
    mkdir -p -- "$dir"
    echo "Downloading $url"
    code="$(curl --silent --show-error --fail --location --max-redirs 5 \
      --proto "=$scheme" --proto-redir "=$scheme" \
      --retry 3 --retry-delay 2 --connect-timeout 20 --max-time 300 \
      --write-out '%{http_code}' --output "$dir/$asset" "$url")" || {
      rm -rf -- "$dir"
      echo "::error title=tollgate::could not download $asset of tollgate $pin_version from $url (HTTP ${code:-no answer}); the release or this asset is missing"
      exit 2
    }
    got="$("${sha256[@]}" "$dir/$asset" | cut -d' ' -f1)"
    if [ "$got" != "$want" ]; then
      # Never unpacked, never run: the archive is not the one released.
      rm -rf -- "$dir"
      echo "::error title=tollgate::checksum mismatch for $asset: the action pins sha256 $want, the download has $got; refusing to install it"
      exit 2
    fi
    echo "Verified $asset: sha256 $got (pinned in .github/action/binaries.sha256)"
    unpack "$dir/$asset" "$dir"
    rm -f -- "$dir/$asset"
  fi
  if [ ! -f "$bin" ]; then
    echo "::error title=tollgate::$asset does not hold tollgate-$pin_version-$target/$exe"
    exit 2
  fi
  chmod +x "$bin" 2>/dev/null || true
  "$bin" --version
  echo "bin=$bin" >> "$GITHUB_OUTPUT"
  exit 0
fi

# -------------------------------------------------------------- from source

if [ -n "$version" ]; then
  source_id="crates-io-$version"
else
  source_id="src-$(
    cd "$action"
    find Cargo.toml Cargo.lock src -type f -print0 | LC_ALL=C sort -z | xargs -0 "${sha256[@]}" | "${sha256[@]}" | cut -c1-32
  )"
fi
root="$temp/tollgate/$source_id"
bin="$root/bin/tollgate"
[ "${RUNNER_OS:-}" != Windows ] || bin="$root/bin/tollgate.exe"

# A second use of the action in the same job reuses the binary.
if [ ! -x "$bin" ]; then
  if ! command -v cargo >/dev/null; then
    echo "::error title=tollgate::cargo is not on PATH: install a Rust toolchain before this action, or use a GitHub-hosted runner"
    exit 2
  fi
  # Outside the workspace, so the caller's rust-toolchain.toml and
  # .cargo/config.toml are not found on the way up from the build directory.
  mkdir -p -- "$temp/tollgate-build"
  cd "$temp/tollgate-build"
  unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS RUSTDOCFLAGS \
    CARGO_BUILD_TARGET CARGO_BUILD_TARGET_DIR RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER \
    RUSTC_WORKSPACE_WRAPPER CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER CARGO_INSTALL_ROOT \
    CARGO_TARGET_DIR
  export CARGO_TERM_COLOR=never CARGO_TARGET_DIR="$temp/tollgate-build/target"
  if [ -n "$toolchain" ]; then
    export RUSTUP_TOOLCHAIN="$toolchain"
    if command -v rustup >/dev/null; then
      rustup toolchain install "$toolchain" --profile minimal
    fi
  fi
  if [ -n "$version" ]; then
    cargo install --locked --root "$root" tollgate --version "=$version"
  else
    cargo install --locked --root "$root" --path "$action"
  fi
fi
"$bin" --version
echo "bin=$bin" >> "$GITHUB_OUTPUT"
