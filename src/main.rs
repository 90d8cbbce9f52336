//! The `tollgate` binary: parse arguments, run, map the outcome to an exit code.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    // `tollgate --version` alone is answered before clap builds the whole
    // command tree, which was half the instructions of that process
    // (callgrind; the dynamic loader is most of the rest). The text is
    // clap's own (a test in `cli` checks it), and any other use of the
    // flag, `tollgate check --version` say, is still clap's.
    let mut args = std::env::args_os().skip(1);
    if let (Some(flag), None) = (args.next(), args.next()) {
        if flag == "--version" || flag == "-V" {
            // As clap does: a closed standard output is no failure.
            let _ = std::io::Write::write_all(
                &mut std::io::stdout(),
                tollgate::cli::VERSION_LINE.as_bytes(),
            );
            return std::process::ExitCode::from(tollgate::exit::PASSED);
        }
    }
    let cli = match tollgate::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's help and version requests are successes; anything else is usage.
            return if e.use_stderr() {
                std::process::ExitCode::from(tollgate::exit::INPUT_ERROR)
            } else {
                std::process::ExitCode::from(tollgate::exit::PASSED)
            };
        }
    };
    std::process::ExitCode::from(tollgate::cli::run(cli))
}
