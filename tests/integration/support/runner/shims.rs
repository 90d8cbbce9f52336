//! Tool shims: executables a test puts first on a job's `PATH`
//! ([`super::Runner::prepend_path`]) so the shipped workflows' tool steps run
//! without a toolchain or network. They never invent a report: `cargo
//! install` puts the already-built tollgate binary in place, and the evidence
//! commands copy real committed fixtures (produced by the real tools, see
//! each fixture's PRODUCED.md) to where the tool would have written them.
//! An invocation a shim does not know fails with exit code 97 and says so.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The committed reports the evidence shims hand out.
#[derive(Clone, Debug)]
pub struct Fixtures {
    /// LCOV for `cargo llvm-cov … --lcov --output-path P`.
    pub lcov: PathBuf,
    /// JUnit XML for `cargo llvm-cov nextest --profile X` (to `target/nextest/X/junit.xml`).
    pub junit: PathBuf,
    /// `cargo audit --json` output.
    pub audit: PathBuf,
    /// A Criterion output directory for `cargo bench` (to `target/criterion`).
    pub criterion: PathBuf,
}

impl Fixtures {
    /// The evidence in `fixtures/example` of this repository.
    pub fn example() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example");
        Self {
            lcov: root.join("coverage/lcov.info"),
            junit: root.join("tests/junit.xml"),
            audit: root.join("audit/audit.json"),
            criterion: root.join("bench-criterion"),
        }
    }
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

/// Writes an executable script `name` into `dir`.
pub fn write_shim(dir: &Path, name: &str, body: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Writes the standard shim set (`cargo`, `rustup`, `gh`) into `dir` and
/// returns `dir`. `tollgate` is the binary `cargo install` installs
/// (`env!("CARGO_BIN_EXE_tollgate")`). Every shim appends its argument
/// vector to `$RUNNER_TEMP/shim-calls.log`.
pub fn standard(dir: &Path, tollgate: &Path, fixtures: &Fixtures) -> PathBuf {
    let header = format!(
        "#!/usr/bin/env bash\n# Test shim written by tests/integration/support/runner/shims.rs.\nset -euo pipefail\n\
         TOLLGATE_BIN_SRC={}\nFIX_LCOV={}\nFIX_JUNIT={}\nFIX_AUDIT={}\nFIX_CRITERION={}\n\
         printf '%s\\n' \"$(basename \"$0\") $*\" >> \"${{RUNNER_TEMP:-/tmp}}/shim-calls.log\"\n\
         unsupported() {{ echo \"$(basename \"$0\") shim: unsupported invocation: $*\" >&2; exit 97; }}\n",
        quote(tollgate),
        quote(&fixtures.lcov),
        quote(&fixtures.junit),
        quote(&fixtures.audit),
        quote(&fixtures.criterion),
    );
    write_shim(dir, "cargo", &format!("{header}{CARGO}"));
    write_shim(dir, "rustup", &format!("{header}{RUSTUP}"));
    write_shim(dir, "gh", &format!("{header}{GH}"));
    dir.to_owned()
}

const CARGO: &str = r#"
# Value of option $1 in the remaining arguments (`--opt V` or `--opt=V`).
opt() {
  local want="$1"; shift
  while [ $# -gt 0 ]; do
    case "$1" in
      "$want") echo "${2:-}"; return 0 ;;
      "$want"=*) echo "${1#*=}"; return 0 ;;
    esac
    shift
  done
  return 1
}
target="${CARGO_TARGET_DIR:-target}"
case "${1:-}" in
  --version|-V) echo "cargo 1.95.0 (shim)" ;;
  install)
    shift
    root="$(opt --root "$@" || echo "${CARGO_INSTALL_ROOT:-$HOME/.cargo}")"
    # The crate: --path P, or the first non-option word.
    crate=""
    if opt --path "$@" >/dev/null; then crate=tollgate; fi
    skip=0
    for a in "$@"; do
      if [ "$skip" = 1 ]; then skip=0; continue; fi
      case "$a" in
        --root|--version|--path|--target-dir|--profile|--features|--bin) skip=1 ;;
        -*) ;;
        *) [ -n "$crate" ] || crate="$a" ;;
      esac
    done
    mkdir -p "$root/bin"
    case "$crate" in
      # A link, not a copy: the test build is large, and every leak scan
      # of the job's temp directory would read it again.
      tollgate) ln -sf "$TOLLGATE_BIN_SRC" "$root/bin/tollgate"; echo "  Installed $root/bin/tollgate (shim: the test build)" ;;
      cargo-llvm-cov|cargo-nextest|cargo-audit)
        printf '#!/usr/bin/env bash\necho "%s shim: run it as cargo %s" >&2\nexit 97\n' "$crate" "${crate#cargo-}" > "$root/bin/$crate"
        chmod +x "$root/bin/$crate"; echo "  Installed $root/bin/$crate (shim)" ;;
      *) unsupported install "$@" ;;
    esac
    ;;
  llvm-cov)
    shift
    out="$(opt --output-path "$@")" || unsupported llvm-cov "$@"
    mkdir -p "$(dirname "$out")"; cp "$FIX_LCOV" "$out"
    if [ "${1:-}" = nextest ]; then
      profile="$(opt --profile "$@" || echo default)"
      mkdir -p "$target/nextest/$profile"; cp "$FIX_JUNIT" "$target/nextest/$profile/junit.xml"
    fi
    ;;
  audit)
    shift
    case " $* " in *" --json "*) cat "$FIX_AUDIT" ;; *) unsupported audit "$@" ;; esac
    ;;
  bench)
    mkdir -p "$target"; rm -rf "$target/criterion"; cp -R "$FIX_CRITERION" "$target/criterion"
    ;;
  *) unsupported "$@" ;;
esac
"#;

const RUSTUP: &str = r#"
case "${1:-}" in
  toolchain|default|component|target|override|set|show|update) echo "rustup shim: $* (nothing to do)" ;;
  *) unsupported "$@" ;;
esac
"#;

const GH: &str = r#"
# `gh api PATH [--jq EXPR] [-X METHOD] [-f k=v | -F k=v]...` against $GITHUB_API_URL.
[ "${1:-}" = api ] || unsupported "$@"
shift
path="" jq_expr="" method="" fields=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jq|-q) jq_expr="$2"; shift 2 ;;
    -X|--method) method="$2"; shift 2 ;;
    -f|-F|--field|--raw-field) fields+=("$2"); shift 2 ;;
    -H|--header) shift 2 ;;
    --paginate) shift ;;
    -*) unsupported api "$@" ;;
    *) path="$1"; shift ;;
  esac
done
token="${GH_TOKEN:-${GITHUB_TOKEN:-}}"
[ -n "$token" ] || { echo "gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable." >&2; exit 4; }
url="${GITHUB_API_URL:?}/${path#/}"
body=""
if [ ${#fields[@]} -gt 0 ]; then
  body="$(printf '%s\n' "${fields[@]}" | jq -Rn '[inputs | capture("(?<k>[^=]*)=(?<v>.*)")] | map({(.k): .v}) | add')"
  method="${method:-POST}"
fi
args=(-sS -w '\n%{http_code}' -X "${method:-GET}" -H "Authorization: Bearer $token" -H "Accept: application/vnd.github+json")
[ -z "$body" ] || args+=(-H "Content-Type: application/json" -d "$body")
resp="$(curl "${args[@]}" "$url")"
code="${resp##*$'\n'}"
json="${resp%$'\n'*}"
if [ "$code" -ge 400 ]; then echo "gh: HTTP $code" >&2; echo "$json" >&2; exit 1; fi
if [ -n "$jq_expr" ]; then printf '%s' "$json" | jq -r "$jq_expr"; else printf '%s\n' "$json"; fi
"#;
