#!/usr/bin/env bash
# make dist: every artifact a user installs, into dist/ — x86_64 Linux, glibc 2.17
# (manylinux2014), release profile, stripped. Other platforms: RELEASING.md.
#
#   dist/python/wxpay_apiv3-VERSION-cp39-abi3-manylinux_2_17_x86_64….whl  and the sdist
#   dist/npm/wxpay-VERSION.tgz                     the main package (optionalDependencies)
#   dist/npm/wxpay-native-linux-x64-gnu-VERSION.tgz  its binary for x86_64 glibc Linux
#   dist/libwxpay-VERSION-x86_64-linux-gnu.tar.gz  lib/ (.so.VERSION, .so.MAJOR, .so, .a),
#                                                  include/wxpay.h, include/wxpay_calls.h, lib/pkgconfig/wxpay{,-static}.pc
#   dist/php/wxpay-php-VERSION.tar.gz              the Composer package (composer.json at its root)
#   dist/php/php_wxpay-VERSION-src.tgz             the PHP extension's source (PIE php-ext package,
#                                                  wxpay/wxpay-extension): phpize against the C tarball
#   dist/php/wxpay-VERSION-php8.2-nts-api20220829-x86_64-linux-gnu.so
#                                                  the PHP extension, prebuilt for this machine's PHP
#                                                  (phpize against the C tarball: no Rust), libwxpay.a inside
#   dist/wxpay-cli-VERSION-x86_64-linux-gnu.tar.gz bin/wxpay: the command line, `wxpay sandbox` included
#   dist/python/wxpay_cli-VERSION-py3-none-manylinux_2_17_x86_64….whl  the same binary, on PATH by pip
#   dist/npm/wxpay-cli-VERSION.tgz, wxpay-cli-linux-x64-gnu-VERSION.tgz  @wxpay/cli (bin: wxpay, npx)
#                                                  and its binary as an optional dependency
#   dist/SHA256SUMS                                every artifact's SHA-256
#
# The tools come from the registries into target/dist-tools (nothing global): zig and maturin
# from PyPI, cargo-zigbuild from crates.io. glibc 2.17 comes from zig's sysroot.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
major="${version%%.*}"
target="${CARGO_TARGET_DIR:-$root/target}"
tools="$target/dist-tools"
dist="$root/dist"
triple=x86_64-unknown-linux-gnu
glibc=2.17

if [[ ! -x "$tools/venv/bin/maturin" ]]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q "maturin>=1.8,<2" "ziglang==0.14.1"
fi
if [[ ! -x "$tools/bin/cargo-zigbuild" ]]; then
  cargo install -q --locked --root "$tools" cargo-zigbuild@0.20.1
fi
# cargo-zigbuild and maturin --zig find zig through `python3 -m ziglang`.
export PATH="$tools/venv/bin:$tools/bin:$PATH"
# Release, stripped: no debug info in what users install.
export CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=symbols

rm -rf "$dist"
mkdir -p "$dist/python" "$dist/npm" "$dist/php"

echo "== C library, Node addon and the CLI ($triple, glibc $glibc)"
cargo zigbuild -q --release --target "$triple.$glibc" -p wxpay-ffi -p wxpay-node -p wxpay-cli
out="$target/$triple/release"

echo "== Python wheel (manylinux2014, abi3) and sdist"
maturin build -q --release --strip --zig --compatibility manylinux2014 --target "$triple" \
  -m bindings-python/Cargo.toml -o "$dist/python" >/dev/null
maturin sdist -m bindings-python/Cargo.toml -o "$dist/python" >/dev/null

echo "== C tarball"
c="libwxpay-$version-x86_64-linux-gnu"
stage="$target/dist-stage/$c"
rm -rf "$target/dist-stage" && mkdir -p "$stage/lib/pkgconfig" "$stage/include"
install -m 755 "$out/libwxpay.so" "$stage/lib/libwxpay.so.$version"
ln -s "libwxpay.so.$version" "$stage/lib/libwxpay.so.$major"
ln -s "libwxpay.so.$major" "$stage/lib/libwxpay.so"
install -m 644 "$out/libwxpay.a" "$stage/lib/libwxpay.a"
# AWS-LC's C objects carry DWARF whatever cargo's profile says: strip it (66 MB → ~45 MB).
strip --strip-debug "$stage/lib/libwxpay.a"
install -m 644 include/wxpay.h include/wxpay_calls.h "$stage/include/"
# Relocatable: the prefix is wherever the tarball is unpacked.
for pc in wxpay wxpay-static; do
  sed -e 's|^prefix=@PREFIX@|prefix=${pcfiledir}/../..|' -e "s|@VERSION@|$version|" "ffi-c/$pc.pc.in" \
    >"$stage/lib/pkgconfig/$pc.pc"
done
cp LICENSE-MIT LICENSE-APACHE CHANGELOG.md "$stage/"
cp ffi-c/TARBALL-README.md "$stage/README.md"
tar -C "$target/dist-stage" -czf "$dist/$c.tar.gz" "$c"

echo "== PHP extension, prebuilt for this PHP (phpize against the C tarball's prefix, as users without Rust build it)"
if command -v phpize >/dev/null && command -v php-config >/dev/null; then
  # The source package first (PIE's pre-packaged-source asset, php_NAME-VERSION-src.tgz), then
  # the prebuilt extension from exactly that source.
  src="php_wxpay-$version-src"
  mkdir -p "$target/dist-stage/$src"
  cp bindings-php/ext/*.c bindings-php/ext/*.h bindings-php/ext/config.m4 bindings-php/ext/composer.json \
    bindings-php/ext/README.md LICENSE-MIT LICENSE-APACHE "$target/dist-stage/$src/"
  tar -C "$target/dist-stage" -czf "$dist/php/$src.tgz" "$src"
  ext_stage="$target/dist-stage/php-ext"
  rm -rf "$ext_stage" && cp -r "$target/dist-stage/$src" "$ext_stage"
  (cd "$ext_stage" && phpize >build.log 2>&1 && ./configure -q --with-wxpay="$stage" >>build.log 2>&1 &&
    make -s -j2 >>build.log 2>&1) || { cat "$ext_stage/build.log" >&2; exit 1; }
  php_tag="php$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')-$(php -r 'echo PHP_ZTS ? "zts" : "nts";')-api$(php-config --phpapi)"
  install -m 755 "$ext_stage/modules/wxpay.so" "$dist/php/wxpay-$version-$php_tag-x86_64-linux-gnu.so"
  strip --strip-unneeded "$dist/php/wxpay-$version-$php_tag-x86_64-linux-gnu.so"
else
  echo "phpize / php-config not found (Debian: php-dev): no prebuilt PHP extension" >&2
  exit 1
fi

echo "== CLI tarball"
cli="wxpay-cli-$version-x86_64-linux-gnu"
mkdir -p "$target/dist-stage/$cli/bin"
install -m 755 "$out/wxpay" "$target/dist-stage/$cli/bin/wxpay"
cp LICENSE-MIT LICENSE-APACHE CHANGELOG.md "$target/dist-stage/$cli/"
cat >"$target/dist-stage/$cli/README.md" <<MD
# wxpay $version — the command line (x86_64 Linux, glibc 2.17 or later)

\`bin/wxpay\`: WeChat Pay APIv3 from the shell (\`wxpay --help\`), and \`wxpay sandbox\`, a local
WeChat Pay for testing a checkout without a merchant account (TEST ONLY: public test keys,
loopback only). The testing helpers of the Python, Node and PHP packages run it: put it on
\`PATH\` or set \`WXPAY_CLI\` to it.

    mkdir -p /opt/wxpay-cli && tar -xzf $cli.tar.gz -C /opt/wxpay-cli --strip-components=1
    export PATH=/opt/wxpay-cli/bin:\$PATH
    wxpay sandbox        # prints {"url", "client_config", …} and a guide; Ctrl-C stops it
MD
tar -C "$target/dist-stage" -czf "$dist/$cli.tar.gz" "$cli"

echo "== CLI wheel (pip puts wxpay on PATH) and npm packages (npx wxpay)"
python3 scripts/cli-wheel.py "$out/wxpay" "$version" "$dist/python" >/dev/null
cli_npm="$target/dist-stage/npm-cli"
mkdir -p "$cli_npm/main/bin" "$cli_npm/linux-x64-gnu/bin"
node - cli/npm/package.json "$cli_npm" "$version" <<'JS'
const fs = require('node:fs')
const path = require('node:path')
const [pkgPath, stage, version] = process.argv.slice(2)
const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8'))
const main = { ...pkg, version, optionalDependencies: { [`${pkg.name}-linux-x64-gnu`]: version } }
fs.writeFileSync(path.join(stage, 'main', 'package.json'), JSON.stringify(main, null, 2) + '\n')
// The binary's package: no `bin` of its own (the main package's launcher runs it), so two
// platforms' packages never fight over the name.
const plat = {
  name: `${pkg.name}-linux-x64-gnu`,
  version,
  description: `The wxpay command line binary for x86_64 Linux (glibc >= 2.17): install ${pkg.name}`,
  license: pkg.license,
  homepage: pkg.homepage,
  repository: pkg.repository,
  os: ['linux'],
  cpu: ['x64'],
  libc: ['glibc'],
  files: ['bin/wxpay', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE'],
  engines: pkg.engines,
}
fs.writeFileSync(path.join(stage, 'linux-x64-gnu', 'package.json'), JSON.stringify(plat, null, 2) + '\n')
JS
for f in $(node -p 'require("./cli/npm/package.json").files.filter((f) => !f.startsWith("LICENSE")).join(" ")'); do
  install -D -m "$([[ "$f" == bin/* ]] && echo 755 || echo 644)" "cli/npm/$f" "$cli_npm/main/$f"
done
install -m 755 "$out/wxpay" "$cli_npm/linux-x64-gnu/bin/wxpay"
for d in main linux-x64-gnu; do cp LICENSE-MIT LICENSE-APACHE "$cli_npm/$d/"; done
cat >"$cli_npm/linux-x64-gnu/README.md" <<MD
# @wxpay/cli-linux-x64-gnu

The \`wxpay\` binary of [\`@wxpay/cli\`](https://www.npmjs.com/package/@wxpay/cli) $version for x86_64
Linux with glibc 2.17 or later. Install \`@wxpay/cli\`, not this package: npm installs it as an
optional dependency on this platform.
MD
(cd "$cli_npm/main" && npm pack --silent --pack-destination "$dist/npm" >/dev/null)
(cd "$cli_npm/linux-x64-gnu" && npm pack --silent --pack-destination "$dist/npm" >/dev/null)

echo "== npm packages"
npm_stage="$target/dist-stage/npm"
mkdir -p "$npm_stage/main" "$npm_stage/linux-x64-gnu"
node - "$root/bindings-node/package.json" "$npm_stage" "$version" <<'JS'
const fs = require('node:fs')
const path = require('node:path')
const [pkgPath, stage, version] = process.argv.slice(2)
const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8'))
const platformName = `${pkg.napi.packageName}-linux-x64-gnu`
// The main package: JS, typings, the loader; its binaries come as optional dependencies.
const main = { ...pkg, version, optionalDependencies: { [platformName]: version } }
delete main.devDependencies
main.scripts = { prepack: 'node prepack.js' }
main.files = [...new Set(main.files.filter((f) => f !== '*.node').concat(['prepack.js']))]
fs.writeFileSync(path.join(stage, 'main', 'package.json'), JSON.stringify(main, null, 2) + '\n')
// The platform package napi-rs's loader requires on x86_64 glibc Linux.
const plat = {
  name: platformName,
  version,
  description: `${pkg.name}'s native addon for x86_64 Linux (glibc >= 2.17)`,
  license: pkg.license,
  homepage: pkg.homepage,
  repository: pkg.repository,
  os: ['linux'],
  cpu: ['x64'],
  libc: ['glibc'],
  main: 'wxpay.linux-x64-gnu.node',
  files: ['wxpay.linux-x64-gnu.node', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE'],
  engines: pkg.engines,
  scripts: { prepack: 'node -e "require(\'node:fs\').statSync(\'wxpay.linux-x64-gnu.node\')"' },
}
fs.writeFileSync(path.join(stage, 'linux-x64-gnu', 'package.json'), JSON.stringify(plat, null, 2) + '\n')
JS
# Every file package.json's `files` names (calls.d.ts, testing.js…: a list kept here drifted),
# but the addon, which comes in the platform package.
for f in $(node -p 'require("./bindings-node/package.json").files.filter((f) => f !== "*.node").join(" ")') README.md; do
  cp "bindings-node/$f" "$npm_stage/main/"
done
install -m 755 "$out/libwxpay_node.so" "$npm_stage/linux-x64-gnu/wxpay.linux-x64-gnu.node"
cp LICENSE-MIT LICENSE-APACHE "$npm_stage/linux-x64-gnu/"
cat >"$npm_stage/linux-x64-gnu/README.md" <<MD
# @wxpay/native-linux-x64-gnu

The native addon of [\`wxpay\`](https://www.npmjs.com/package/wxpay) $version for x86_64 Linux with
glibc 2.17 or later. Install \`wxpay\`, not this package: npm installs it as an optional
dependency on this platform (unless optional dependencies are omitted: \`npm install
--include=optional\`).
MD
(cd "$npm_stage/main" && npm pack --silent --pack-destination "$dist/npm" >/dev/null)
(cd "$npm_stage/linux-x64-gnu" && npm pack --silent --pack-destination "$dist/npm" >/dev/null)

echo "== PHP package (Composer layout, composer.json at its root)"
php_stage="$target/dist-stage/wxpay-php-$version"
mkdir -p "$php_stage"
cp -r bindings-php/src bindings-php/include bindings-php/ext bindings-php/examples "$php_stage/"
cp bindings-php/composer.json bindings-php/autoload.php bindings-php/preload.php bindings-php/ffi-header.php \
  bindings-php/README.md LICENSE-MIT LICENSE-APACHE CHANGELOG.md "$php_stage/"
tar -C "$target/dist-stage" -czf "$dist/php/wxpay-php-$version.tar.gz" "wxpay-php-$version"

echo "== dist/SHA256SUMS"
(cd "$dist" && find . -type f ! -name SHA256SUMS | sort | sed 's|^\./||' | xargs sha256sum >SHA256SUMS)

echo "== dist/"
(cd "$dist" && find . -type f | sort | while read -r f; do printf '  %-70s %8s\n' "$f" "$(du -h "$f" | cut -f1)"; done)
