//! Standard output: the one place tollgate writes to it (clippy.toml bans
//! `println!` and `print!` everywhere else), so a closed pipe and a full disk
//! are handled once. Workflow commands go to standard error instead
//! ([`print_commands`]): there they cannot end up in a report redirected to
//! a file (docs/github.md).
//!
//! A reader that goes away (`tollgate inspect big.info | head`) is not an
//! error: the rest of the output is dropped and the command exits as if it
//! had been read, as ripgrep does. Any other write failure (`> /dev/full`)
//! is an output error, exit 2, because the report the user asked for was
//! not delivered.

use std::io::{ErrorKind, Write};

use super::RunError;

/// Writes human-readable `text` to standard output, with the control
/// characters evidence may carry shown rather than obeyed
/// ([`crate::terminal::safe`]). JSON and generated files go through
/// [`print_out`] unchanged.
pub(crate) fn print_human(text: &str) -> Result<(), RunError> {
    print_out(&crate::terminal::safe(text))
}

/// Writes `text` to standard output and flushes it.
pub(crate) fn print_out(text: &str) -> Result<(), RunError> {
    write_to(&mut std::io::stdout().lock(), text)
}

/// Writes GitHub Actions workflow commands (`::add-mask::`, `::error …::`)
/// to standard error. The runner reads commands from a step's standard error
/// as it does from standard output (docs/github.md cites the runner's
/// source), and standard output may be the report: `check --format json >
/// report.json` must not find `::add-mask::TOKEN` in the file. Failure to
/// write is ignored, as for any diagnostic: the report, not the log, is the
/// command's result.
pub(crate) fn print_commands(text: &str) {
    let _ = write_to(&mut std::io::stderr().lock(), text);
}

fn write_to(out: &mut dyn Write, text: &str) -> Result<(), RunError> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(RunError::Stdout(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails every write the same way.
    struct Failing(ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_not_an_error() {
        assert!(write_to(&mut Failing(ErrorKind::BrokenPipe), "x\n").is_ok());
    }

    #[test]
    fn other_write_failures_are_output_errors() {
        let err = write_to(&mut Failing(ErrorKind::StorageFull), "x\n").unwrap_err();
        assert!(matches!(err, RunError::Stdout(_)), "{err:?}");
        assert_eq!(err.exit_code(), crate::exit::INPUT_ERROR);
        assert!(
            err.to_string()
                .starts_with("cannot write to standard output: "),
            "{err}"
        );
    }

    #[test]
    fn text_is_written_whole() {
        let mut buf = Vec::new();
        write_to(&mut buf, "one\ntwo\n").unwrap();
        assert_eq!(buf, b"one\ntwo\n");
    }
}
