//! The `tollgate` binary: parse arguments, run, map the outcome to an exit code.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> std::process::ExitCode {
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
