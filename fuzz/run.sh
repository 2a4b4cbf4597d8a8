#!/usr/bin/env bash
# The long fuzz runs (make fuzz): each cargo-fuzz target for FUZZ_SECONDS (default 600), one after
# the other, growing fuzz/corpus/<target>/ (minimised afterwards). cargo-fuzz needs nightly
# features; RUSTC_BOOTSTRAP=1 enables them on the stable toolchain.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-600}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
for target in ${FUZZ_TARGETS:-verify_response uri_template options config}; do
  echo "== fuzz $target for ${seconds}s"
  cargo fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" || true
  if ls "artifacts/$target"/crash-* "artifacts/$target"/leak-* "artifacts/$target"/timeout-* >/dev/null 2>&1; then
    echo "fuzz $target found a failing input: see fuzz/artifacts/$target/" >&2
    exit 1
  fi
  cargo fuzz cmin -O "$target" "corpus/$target" >/dev/null 2>&1 || true
done
