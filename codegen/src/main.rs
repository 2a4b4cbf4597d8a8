//! `wxpay-codegen [--check] [ROOT]`: writes every generated file under ROOT (the repository,
//! by default this crate's parent), or with `--check` exits 1 naming each file that drifted.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut check = false;
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    for a in std::env::args().skip(1) {
        if a == "--check" {
            check = true;
        } else {
            root = PathBuf::from(a);
        }
    }
    let mut drifted = 0;
    for g in wxpay_codegen::generate() {
        let path = root.join(g.path);
        let now = std::fs::read_to_string(&path).unwrap_or_default();
        if now == g.text {
            continue;
        }
        if check {
            eprintln!("{} drifted from the catalogue; run `make calls`", g.path);
            drifted += 1;
        } else if let Err(e) = std::fs::write(&path, &g.text) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", g.path);
        }
    }
    if drifted > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
