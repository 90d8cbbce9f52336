//! Unpacking an evidence artifact, which is hostile input: the zip was
//! uploaded by a run of the change's own code.
//!
//! Only entries at the configured evidence paths are written (a configured
//! directory, such as a criterion tree, takes everything under it), as
//! regular files below the target directory, each created anew. Refused:
//! names that are absolute, climb out (`..`), hold `\`, NUL or a drive
//! colon, or repeat an earlier entry; symlinks and other non-regular
//! entries; encrypted entries; an entry whose data outgrows the per-file cap
//! or the total cap. Sizes are counted as the data is inflated, never taken
//! from the headers, so a zip bomb stops at the cap. An archive with more
//! entries than the entry cap is refused whole. Everything else in the zip
//! (a forged `report.json`, say) is ignored and listed, never read.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Bounds on what one artifact may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single file, in bytes once inflated.
    pub max_file_bytes: u64,
    /// All written files together, in bytes once inflated.
    pub max_total_bytes: u64,
    /// Most entries an archive may list.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 256 * 1024 * 1024,
            max_total_bytes: 1024 * 1024 * 1024,
            max_entries: 50_000,
        }
    }
}

/// What unpacking did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    /// Files written, by their repository-relative path.
    pub written: Vec<String>,
    /// Entries that are not configured evidence, left unread.
    pub ignored: Vec<String>,
    /// Entries at evidence paths that were refused, with the reason.
    pub refused: Vec<(String, String)>,
}

/// The artifact could not be unpacked at all.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// Not a zip archive GitHub would produce.
    #[error("the artifact is not a readable zip archive: {0}")]
    NotAZip(#[source] zip::result::ZipError),
    /// More entries than [`Limits::max_entries`].
    #[error("the artifact lists {count} entries, more than the {max} allowed")]
    TooManyEntries {
        /// Entries listed.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// A file or directory below the target could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// What was being written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A zip entry name as a safe relative path (`a/b/c`), or why not.
fn safe_name(name: &str) -> Result<String, &'static str> {
    if name.contains(['\\', '\0']) {
        return Err("the name holds a backslash or NUL");
    }
    if name.starts_with('/') {
        return Err("the name is absolute");
    }
    let parts: Vec<&str> = name.split('/').collect();
    if parts.first().is_some_and(|p| p.contains(':')) {
        return Err("the name starts with a drive");
    }
    if parts.contains(&"..") {
        return Err("the name climbs out of the artifact (`..`)");
    }
    if parts.iter().any(|p| p.is_empty() || *p == ".") {
        return Err("the name has an empty or `.` component");
    }
    Ok(parts.join("/"))
}

/// A configured evidence path in the form entry names take: relative,
/// `/`-separated, without `./`. `None` for a path no entry can match
/// safely (absolute, or climbing out).
#[must_use]
pub fn evidence_path(configured: &str) -> Option<String> {
    let trimmed = configured
        .trim()
        .trim_start_matches("./")
        .trim_end_matches('/');
    safe_name(trimmed).ok()
}

fn is_wanted(name: &str, wanted: &[String]) -> bool {
    wanted.iter().any(|w| {
        name == w
            || name
                .strip_prefix(w.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Unpacks the entries of `zip` at the `wanted` evidence paths (as given by
/// [`evidence_path`]) into `dir`, which should be empty.
pub fn extract(
    zip: &[u8],
    dir: &Path,
    wanted: &[String],
    limits: &Limits,
) -> Result<Extraction, ArtifactError> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(ArtifactError::NotAZip)?;
    if archive.len() > limits.max_entries {
        return Err(ArtifactError::TooManyEntries {
            count: archive.len(),
            max: limits.max_entries,
        });
    }
    let mut out = Extraction::default();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(e) => {
                out.refused
                    .push((format!("entry #{index}"), format!("unreadable: {e}")));
                continue;
            }
        };
        let raw = entry.name().to_owned();
        let name = match safe_name(raw.trim_end_matches('/')) {
            Ok(name) => name,
            Err(why) => {
                out.refused.push((raw, why.to_owned()));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        if !is_wanted(&name, wanted) {
            out.ignored.push(name);
            continue;
        }
        let mode = entry.unix_mode().map(|m| m & 0o170_000);
        if entry.is_symlink() || mode.is_some_and(|m| m != 0 && m != 0o100_000) {
            out.refused
                .push((name, "not a regular file (a symlink or device)".to_owned()));
            continue;
        }
        if entry.encrypted() {
            out.refused.push((name, "encrypted".to_owned()));
            continue;
        }
        if out.written.contains(&name) {
            out.refused
                .push((name, "a second entry of the same name".to_owned()));
            continue;
        }
        let allowed = limits
            .max_file_bytes
            .min(limits.max_total_bytes.saturating_sub(total));
        match write_entry(&mut entry, &dir.join(&name), allowed)? {
            Ok(n) => {
                total += n;
                out.written.push(name);
            }
            Err(Refusal::TooLarge) if allowed < limits.max_file_bytes => out.refused.push((
                name,
                format!(
                    "the artifact's files would exceed {} bytes in total",
                    limits.max_total_bytes
                ),
            )),
            Err(Refusal::TooLarge) => out.refused.push((
                name,
                format!("larger than {} bytes once inflated", limits.max_file_bytes),
            )),
            Err(Refusal::Other(why)) => out.refused.push((name, why)),
        }
    }
    Ok(out)
}

/// Why one entry was not written.
enum Refusal {
    TooLarge,
    Other(String),
}

/// Writes one entry as a new regular file at `path`, at most `allowed`
/// bytes; a refused entry leaves nothing behind. `Err` only when the
/// target directory cannot be written at all.
fn write_entry(
    entry: &mut impl Read,
    path: &Path,
    allowed: u64,
) -> Result<Result<u64, Refusal>, ArtifactError> {
    let write_error = |source| ArtifactError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        if let Err(e) = std::fs::create_dir_all(parent) {
            // A file already stands where a directory is needed.
            return Ok(Err(Refusal::Other(format!(
                "cannot create its directory: {e}"
            ))));
        }
    }
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(e) => return Ok(Err(Refusal::Other(format!("cannot be created: {e}")))),
    };
    let refusal = match copy_bounded(entry, &mut file, allowed) {
        Ok(Copied::All(n)) => return Ok(Ok(n)),
        Ok(Copied::TooLarge) => Refusal::TooLarge,
        Err(Copy::Read(e)) => Refusal::Other(format!("unreadable: {e}")),
        Err(Copy::Write(e)) => return Err(write_error(e)),
    };
    drop(file);
    std::fs::remove_file(path).map_err(write_error)?;
    Ok(Err(refusal))
}

enum Copied {
    All(u64),
    TooLarge,
}

enum Copy {
    Read(std::io::Error),
    Write(std::io::Error),
}

/// Copies at most `max` bytes; more is [`Copied::TooLarge`] (the rest is
/// never inflated).
fn copy_bounded(from: &mut impl Read, to: &mut impl Write, max: u64) -> Result<Copied, Copy> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut done: u64 = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(Copied::All(done)),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Copy::Read(e)),
        };
        done += n as u64;
        if done > max {
            return Ok(Copied::TooLarge);
        }
        to.write_all(&buf[..n]).map_err(Copy::Write)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn wanted() -> Vec<String> {
        ["target/lcov.info", "./target/criterion/"]
            .iter()
            .filter_map(|p| evidence_path(p))
            .collect()
    }

    #[test]
    fn only_configured_paths_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(&[
            ("target/lcov.info", b"SF:a\nend_of_record\n"),
            ("target/criterion/x/new/estimates.json", b"{}"),
            ("report.json", b"{\"conclusion\":\"pass\"}"),
            ("target/criterion-evil/x", b"no"),
        ]);
        let got = extract(&zip, dir.path(), &wanted(), &Limits::default()).unwrap();
        assert_eq!(
            got.written,
            ["target/lcov.info", "target/criterion/x/new/estimates.json"]
        );
        assert_eq!(got.ignored, ["report.json", "target/criterion-evil/x"]);
        assert!(got.refused.is_empty());
        assert!(!dir.path().join("report.json").exists());
        assert_eq!(
            std::fs::read(dir.path().join("target/lcov.info")).unwrap(),
            b"SF:a\nend_of_record\n"
        );
    }

    #[test]
    fn traversal_names_are_refused() {
        for bad in ["../x", "/etc/x", "a/../../x", "a\\b", "C:/x", "a//b", "./a"] {
            assert!(safe_name(bad).is_err(), "{bad}");
        }
        assert_eq!(safe_name("a/b.c").unwrap(), "a/b.c");
        assert_eq!(evidence_path("/etc/passwd"), None);
        assert_eq!(evidence_path("../up"), None);
    }

    #[test]
    fn a_zip_bomb_stops_at_the_cap_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let zip = zip_of(&[("target/lcov.info", &zeros)]);
        assert!(zip.len() < 64 * 1024, "deflate squeezes zeros");
        let limits = Limits {
            max_file_bytes: 1024 * 1024,
            ..Limits::default()
        };
        let got = extract(&zip, dir.path(), &wanted(), &limits).unwrap();
        assert!(got.written.is_empty());
        assert_eq!(got.refused.len(), 1);
        assert!(
            got.refused[0].1.contains("larger than"),
            "{:?}",
            got.refused
        );
        assert!(!dir.path().join("target/lcov.info").exists());
    }

    #[test]
    fn the_total_cap_and_the_entry_cap_hold() {
        let dir = tempfile::tempdir().unwrap();
        let kib = vec![b'x'; 1024];
        let zip = zip_of(&[
            ("target/criterion/a", &kib),
            ("target/criterion/b", &kib),
            ("target/criterion/c", &kib),
        ]);
        let limits = Limits {
            max_total_bytes: 2048,
            ..Limits::default()
        };
        let got = extract(&zip, dir.path(), &wanted(), &limits).unwrap();
        assert_eq!(got.written, ["target/criterion/a", "target/criterion/b"]);
        assert!(got.refused[0].1.contains("in total"), "{:?}", got.refused);
        let err = extract(
            &zip,
            tempfile::tempdir().unwrap().path(),
            &wanted(),
            &Limits {
                max_entries: 2,
                ..Limits::default()
            },
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ArtifactError::TooManyEntries { count: 3, .. }
        ));
        assert!(matches!(
            extract(b"not a zip", dir.path(), &wanted(), &Limits::default()),
            Err(ArtifactError::NotAZip(_))
        ));
    }

    #[test]
    fn symlinks_and_duplicates_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.add_symlink(
            "target/lcov.info",
            "/etc/passwd",
            SimpleFileOptions::default(),
        )
        .unwrap();
        let zip = w.finish().unwrap().into_inner();
        let got = extract(&zip, dir.path(), &wanted(), &Limits::default()).unwrap();
        assert!(got.written.is_empty());
        assert!(got.refused[0].1.contains("not a regular file"));
        assert!(std::fs::symlink_metadata(dir.path().join("target/lcov.info")).is_err());
    }
}
