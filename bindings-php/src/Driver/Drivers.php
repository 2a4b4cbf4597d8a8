<?php
declare(strict_types=1);

namespace Wxpay\Driver;

use Wxpay\Exception\ConfigException;
use Wxpay\Ffi;

/**
 * Picks the driver: the extension when it is loaded, FFI otherwise. `WXPAY_DRIVER=ext|ffi` in
 * the environment (or the configuration key `driver`) forces one.
 *
 * @internal
 */
final class Drivers
{
    private static ?ExtDriver $ext = null;

    public static function select(?string $forced = null, ?string $lib = null): Driver
    {
        $env = getenv('WXPAY_DRIVER');
        $choice = $forced ?? (is_string($env) && $env !== '' ? $env : null);
        if ($choice === null) {
            $choice = extension_loaded('wxpay') ? 'ext' : 'ffi';
        }
        if ($choice === 'ext') {
            if (!extension_loaded('wxpay')) {
                throw new ConfigException(
                    "the wxpay PHP extension is not loaded (driver 'ext' was asked for): add `extension=wxpay.so` to php.ini (`pie install wxpay/wxpay-extension --with-wxpay=/opt/wxpay`, or phpize against the C tarball: ext/README.md), or use the FFI driver",
                    ['code' => ConfigException::CODE, 'may_have_been_sent' => false]
                );
            }
            return self::$ext ??= new ExtDriver();
        }
        if ($choice === 'ffi') {
            return Ffi::driver($lib);
        }
        throw new ConfigException(
            sprintf("unknown wxpay driver '%s': use 'ext' (the extension) or 'ffi'", $choice),
            ['code' => ConfigException::CODE, 'may_have_been_sent' => false]
        );
    }
}
