#!/usr/bin/env bash
# Packaging: the core crate packages on its own (`cargo package -p wxpay-apiv3`, which builds the
# packaged crate), and the Python sdist builds into a wheel in a clean directory with nothing
# from the checkout (the files the crates need live inside them). Builds reuse target/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

echo "== one version everywhere (Cargo workspace, composer.json, package.json)"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
for f in bindings-php/composer.json bindings-php/ext/composer.json bindings-node/package.json cli/npm/package.json; do
  v="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$f")"
  [[ "$v" == "$version" ]] || { echo "$f says version $v, Cargo.toml $version: release them together" >&2; exit 1; }
done
grep -q "^__version__ = \"$version\"$" cli/python/wxpay_cli/__init__.py ||
  { echo "cli/python/wxpay_cli/__init__.py's __version__ is not $version: release them together" >&2; exit 1; }
echo "all $version"

echo "== cargo package -p wxpay-apiv3"
cargo package -q -p wxpay-apiv3 --allow-dirty
echo "packaged and built: $(ls target/package/wxpay-apiv3-*.crate)"

echo "== maturin sdist, then a wheel from it in a clean directory"
venv="$(scripts/python-env.sh)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd bindings-python && "$venv/bin/maturin" sdist -o "$work/sdist" >/dev/null)
sdist="$(ls "$work"/sdist/wxpay_apiv3-*.tar.gz)"
# -m: the files get the time of extraction. maturin writes every sdist entry with one fixed
# date (2006), older than the kept build below, so cargo would take last run's artifacts for
# fresh and build a wheel of the old sources.
mkdir "$work/clean" && tar xzmf "$sdist" -C "$work/clean"
python3 -m venv "$work/venv"
# What pip does with the sdist (its build backend is maturin), as a debug build. Its own target
# directory (kept between runs): sharing target/ would reuse what the checkout's sources built,
# since cargo's fingerprints do not depend on where a workspace lives.
(cd "$work"/clean/wxpay_apiv3-*/ && CARGO_TARGET_DIR="$root/target/sdist-build" \
  "$venv/bin/maturin" build --profile dev -o "$work/wheel" >/dev/null)
"$work/venv/bin/pip" install -q --disable-pip-version-check --no-index "$work"/wheel/wxpay_apiv3-*.whl
(cd "$work" && "$work/venv/bin/python" -c 'import wxpay; print("wheel from the sdist OK:", wxpay.__version__)')
