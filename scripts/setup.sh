#!/usr/bin/env bash
# What `make demo`, `make test` and `.ci/run` need from the system, in one place. Checks each
# tool; when something is missing it installs the Debian packages (as root with apt-get), or
# stops before anything is built and prints the exact command to run.
#
#   scripts/setup.sh          everything `make test` needs
#   scripts/setup.sh demo     what `make demo` needs (a C compiler, PHP, Python, Node)
set -euo pipefail
what="${1:-test}"

need_apt=()
command -v make >/dev/null || need_apt+=(make)
command -v cc >/dev/null || need_apt+=(gcc libc6-dev)
[[ -e /etc/ssl/certs/ca-certificates.crt ]] || need_apt+=(ca-certificates)
command -v python3 >/dev/null || need_apt+=(python3)
# Python's venv module (Debian's system python3 ships it separately).
python3 -c 'import ensurepip, venv' 2>/dev/null || need_apt+=(python3-venv)
# Node 20+ and npm for the Node addon.
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
# PHP with FFI, and the standard PSR-7 / promise pieces the PHP wrapper uses.
command -v php >/dev/null || need_apt+=(php-cli)
[[ -e /usr/share/php/Psr/Http/Message/autoload.php ]] || need_apt+=(php-psr-http-message)
[[ -e /usr/share/php/GuzzleHttp/Psr7/autoload.php ]] || need_apt+=(php-guzzlehttp-psr7)
[[ -e /usr/share/php/GuzzleHttp/Promise/autoload.php ]] || need_apt+=(php-guzzlehttp-promises)
if [[ "$what" != demo ]]; then
  command -v openssl >/dev/null || need_apt+=(openssl)
  command -v pkg-config >/dev/null || need_apt+=(pkg-config)
  command -v valgrind >/dev/null || need_apt+=(valgrind)
  # PSR-3, for the tests of the `logger` configuration key (the package itself does not need it).
  [[ -e /usr/share/php/Psr/Log/autoload.php ]] || need_apt+=(php-psr-log)
  # Guzzle and cURL for the wechatpay-php peer of the benchmarks (bench/php/peers; make test-bench).
  [[ -e /usr/share/php/GuzzleHttp/autoload.php ]] || need_apt+=(php-guzzlehttp-guzzle)
  php -r 'exit(extension_loaded("curl") ? 0 : 1);' 2>/dev/null || need_apt+=(php-curl)
  # phpize and PHP's headers for the wxpay PHP extension (bindings-php/ext).
  command -v phpize >/dev/null || need_apt+=(php-dev)
  # php-fpm and a FastCGI client for the php-fpm tests (bindings-php/tests/fpm).
  command -v php-fpm8.2 >/dev/null || command -v php-fpm >/dev/null || need_apt+=(php-fpm)
  command -v cgi-fcgi >/dev/null || need_apt+=(libfcgi-bin)
  # The install tests of make test-dist: Composer (a path repository) and binutils (objdump, nm).
  command -v composer >/dev/null || need_apt+=(composer)
  # PHPUnit, for the Wxpay\Testing\Sandbox helper tested the way merchants' suites use it.
  command -v phpunit >/dev/null || need_apt+=(phpunit)
  command -v objdump >/dev/null || need_apt+=(binutils)
fi
if ! command -v cargo >/dev/null; then
  echo "scripts/setup.sh: cargo is missing: install Rust (https://rustup.rs), then run this again" >&2
  exit 1
fi
((${#need_apt[@]})) || exit 0

if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  echo "scripts/setup.sh: installing ${need_apt[*]}" >&2
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_apt[@]}"
else
  {
    echo "scripts/setup.sh: 'make $what' needs system packages that are missing. Run:"
    echo
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need_apt[*]}"
    echo
    echo "(the Debian/Ubuntu names; then run 'make $what' again)"
  } >&2
  exit 1
fi
