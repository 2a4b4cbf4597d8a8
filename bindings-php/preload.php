<?php
/**
 * The preload recipe: wxpay over FFI under php-fpm (or any SAPI) without `ffi.enable=true`.
 *
 *   php bindings-php/ffi-header.php /usr/local/lib/libwxpay.so > /etc/php/wxpay-ffi.h
 *
 *   ; php.ini (for php-fpm: the FPM php.ini or conf.d)
 *   ffi.enable=preload                          ; PHP's default outside the CLI
 *   ffi.preload=/etc/php/wxpay-ffi.h            ; declares wxpay's FFI scope "WXPAY" at start-up
 *   opcache.enable=1
 *   opcache.preload=/path/to/bindings-php/preload.php
 *   opcache.preload_user=www-data               ; the user the workers run as
 *
 * `ffi.preload` makes the C declarations and libwxpay.so available to every request
 * (Wxpay\Ffi uses FFI::scope("WXPAY") there); this file, through `opcache.preload`, compiles the
 * Wxpay\ classes and the PSR-7 / Guzzle classes they use once per php-fpm master, so requests
 * pay no autoloading for them. Requests then use Wxpay\Builder::factory() as usual.
 *
 * The wxpay extension (`extension=wxpay.so`) needs none of this; prefer it in production.
 */
declare(strict_types=1);

require __DIR__ . '/autoload.php';

(static function (): void {
    $files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator(__DIR__ . '/src', FilesystemIterator::SKIP_DOTS));
    foreach ($files as $f) {
        $class = 'Wxpay\\' . str_replace('/', '\\', substr($f->getPathname(), strlen(__DIR__ . '/src/'), -4));
        class_exists($class) || interface_exists($class);
    }
    foreach ([GuzzleHttp\Psr7\Response::class, GuzzleHttp\Promise\Promise::class, GuzzleHttp\Promise\Create::class, GuzzleHttp\Promise\Utils::class] as $class) {
        class_exists($class);
    }
})();
