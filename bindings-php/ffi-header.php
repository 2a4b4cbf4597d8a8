<?php
/**
 * Print the header for PHP's `ffi.preload`: wxpay's C declarations (include/wxpay_php.h) with
 * the scope name and the library path FFI::load needs.
 *
 *   php bindings-php/ffi-header.php /usr/local/lib/libwxpay.so > /etc/php/wxpay-ffi.h
 *
 * then, in php.ini (see preload.php for the whole recipe):
 *
 *   ffi.enable=preload
 *   ffi.preload=/etc/php/wxpay-ffi.h
 *
 * Without an argument the library is found as Wxpay\Ffi::locate() finds it (WXPAY_LIB, then
 * this checkout's target/ folder).
 */
declare(strict_types=1);

require __DIR__ . '/autoload.php';

$lib = $argv[1] ?? Wxpay\Ffi::locate();
$header = file_get_contents(__DIR__ . '/include/wxpay_php.h');
if ($header === false) {
    fwrite(STDERR, "cannot read include/wxpay_php.h\n");
    exit(1);
}
printf("#define FFI_SCOPE \"%s\"\n#define FFI_LIB \"%s\"\n%s", Wxpay\Ffi::SCOPE, addcslashes($lib, '"\\'), $header);
