//! `wxpay-sandbox` command line (the project's tests, demo and benchmarks); `wxpay sandbox` runs
//! the same code with merchant defaults (src/cli.rs).

use std::process::ExitCode;

fn main() -> ExitCode {
    wxpay_sandbox::cli::main(
        wxpay_sandbox::cli::Flavour::Project,
        std::env::args().skip(1).collect(),
    )
}
