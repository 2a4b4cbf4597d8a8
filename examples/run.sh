#!/usr/bin/env bash
# Run one example checkout the way a merchant runs it: with the package *installed* (not this
# source tree on a path), against `wxpay sandbox` (WXPAY_CLI, or wxpay on PATH).
#
#   examples/run.sh python PYTHON      PYTHON: the interpreter of a venv the wheel was installed in
#   examples/run.sh node NODE_MODULES  NODE_MODULES: a project's node_modules holding the npm tarball
#   examples/run.sh php [PHP_ARGS…]    installs bindings-php with Composer (a path repository) into
#                                      a fresh project, then runs checkout.php with `php PHP_ARGS…`
#
# Called by the language suites (bindings-*/tests/run.sh) after their clean-install checks.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lang="$1"
shift
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
case "$lang" in
  python)
    # From a folder outside the source tree, so only the installed package can be imported.
    cp "$root/examples/python/checkout.py" "$work/"
    (cd "$work" && "$1" -I checkout.py)
    ;;
  node)
    cp "$root/examples/node/checkout.js" "$work/"
    ln -s "$1" "$work/node_modules"
    (cd "$work" && node checkout.js)
    ;;
  php)
    cp "$root"/examples/php/*.php "$work/"
    # Packagist is out of reach here: the package comes from a path repository, its PSR-7 and
    # promise dependencies from Debian's packages (php-guzzlehttp-*), loaded by debian.php.
    cat >"$work/composer.json" <<JSON
{
  "name": "example/shop",
  "repositories": [
    {"type": "path", "url": "$root/bindings-php", "options": {"symlink": false}},
    {"packagist.org": false}
  ],
  "require": {"wxpay/wxpay": "^0.1"},
  "provide": {"psr/http-message": "2.0", "guzzlehttp/psr7": "2.4.5", "guzzlehttp/promises": "1.5.2"},
  "autoload": {"files": ["debian.php"]}
}
JSON
    cat >"$work/debian.php" <<'PHP'
<?php
foreach (['Psr/Http/Message', 'GuzzleHttp/Psr7', 'GuzzleHttp/Promise'] as $p) {
    require_once "/usr/share/php/$p/autoload.php";
}
PHP
    (cd "$work" && COMPOSER_HOME="$work/.composer" php "$(command -v composer)" install -q --no-interaction)
    (cd "$work" && php "$@" checkout.php)
    ;;
  *)
    echo "usage: examples/run.sh python PYTHON | node NODE_MODULES | php [PHP_ARGS…]" >&2
    exit 2
    ;;
esac
