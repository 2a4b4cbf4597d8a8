#!/usr/bin/env bash
# The long fuzz runs (make fuzz): each cargo-fuzz target for FUZZ_SECONDS (default 600), one after
# the other, growing fuzz/corpus/<target>/ (minimised afterwards). cargo-fuzz needs nightly
# features; RUSTC_BOOTSTRAP=1 enables them on the stable toolchain.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-600}"
stats="last-run.json"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
for target in ${FUZZ_TARGETS:-verify_response uri_template options config notification}; do
  echo "== fuzz $target for ${seconds}s"
  log="$(mktemp)"
  cargo fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || true
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" "$log" || true
  # Record the run for RELIABILITY.md (tests/reliability/generate.py reads fuzz/last-run.json).
  python3 - "$stats" "$target" "$seconds" "$log" <<'PY'
import datetime, json, os, re, sys
path, target, seconds, log = sys.argv[1:]
text = open(log, errors="replace").read()
runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
data = json.load(open(path)) if os.path.exists(path) else {}
data[target] = {
    "seconds": int(seconds),
    "runs": int(runs.group(1)) if runs else None,
    "crashes": len(re.findall(r"==\d+==ERROR", text)),
    "date": datetime.date.today().isoformat(),
}
json.dump(data, open(path, "w"), indent=2, sort_keys=True)
open(path, "a").write("\n")
PY
  rm -f "$log"
  if ls "artifacts/$target"/crash-* "artifacts/$target"/leak-* "artifacts/$target"/timeout-* >/dev/null 2>&1; then
    echo "fuzz $target found a failing input: see fuzz/artifacts/$target/" >&2
    exit 1
  fi
  cargo fuzz cmin -O "$target" "corpus/$target" >/dev/null 2>&1 || true
done
