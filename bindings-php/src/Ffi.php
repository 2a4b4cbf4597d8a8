<?php
declare(strict_types=1);

namespace Wxpay;

use FFI as PhpFfi;
use FFI\CData;
use Wxpay\Driver\FfiDriver;
use Wxpay\Exception\ConfigException;
use Wxpay\Exception\WxpayException;

/**
 * The native library, loaded once per path. Internal: the public API is Builder and Client.
 *
 * @internal
 */
final class Ffi
{
    /** @var array<string, PhpFfi> */
    private static array $loaded = [];

    /** @var array<string, FfiDriver> */
    private static array $drivers = [];

    /** The scope name of the preload recipe (bindings-php/preload.php). */
    public const SCOPE = 'WXPAY';

    /** The FFI driver over the library at `locate($configured)` (or the preloaded scope). */
    public static function driver(?string $configured = null): FfiDriver
    {
        $ffi = self::load($configured);
        $key = spl_object_hash($ffi);
        return self::$drivers[$key] ??= new FfiDriver($ffi);
    }

    /** The library's SONAME: what the dynamic loader finds once it is installed. */
    public const SONAME = 'libwxpay.so.0';

    /** Install prefixes searched (`make install PREFIX=…`, the C tarball, distribution packages). */
    public const PREFIXES = ['/usr/local/lib', '/usr/lib', '/usr/lib/x86_64-linux-gnu', '/usr/lib64'];

    /**
     * Find libwxpay.so: the WXPAY_LIB environment variable, then the `lib` configuration key,
     * then this workspace's build output (target/release, target/debug; the newer one), then the
     * install prefixes (PREFIXES), then the dynamic loader's own search (LD_LIBRARY_PATH,
     * ld.so.cache) by its SONAME.
     */
    public static function locate(?string $configured = null): string
    {
        $env = getenv('WXPAY_LIB');
        if (is_string($env) && $env !== '') {
            return self::mustExist($env, 'the WXPAY_LIB environment variable');
        }
        if ($configured !== null && $configured !== '') {
            return self::mustExist($configured, "the 'lib' configuration key");
        }
        $root = dirname(__DIR__, 2);
        $candidates = [];
        foreach (['release', 'debug'] as $profile) {
            $path = $root . '/target/' . $profile . '/libwxpay.so';
            if (is_file($path)) {
                $candidates[$path] = (int) filemtime($path);
            }
        }
        if ($candidates !== []) {
            arsort($candidates);
            return (string) array_key_first($candidates);
        }
        foreach (self::PREFIXES as $dir) {
            foreach ([self::SONAME, 'libwxpay.so'] as $name) {
                if (is_file("$dir/$name")) {
                    return (string) realpath("$dir/$name");
                }
            }
        }
        return self::SONAME; // the dynamic loader searches LD_LIBRARY_PATH and ld.so.cache
    }

    private static function mustExist(string $path, string $source): string
    {
        $real = realpath($path);
        if ($real === false || !is_file($real)) {
            throw new ConfigException(sprintf('%s names %s, which does not exist', $source, $path));
        }
        return $real; // FFI::cdef needs an absolute path
    }

    public static function load(?string $configured = null): PhpFfi
    {
        if (!extension_loaded('ffi')) {
            throw new ConfigException(
                "PHP's FFI extension is not loaded: load the wxpay extension instead (extension=wxpay.so: `pie install wxpay/wxpay-extension --with-wxpay=/opt/wxpay`, phpize against the C tarball, or the prebuilt wxpay-VERSION-phpX.Y-…so), or install/enable ext-ffi (Debian: php-ffi)",
                ['code' => ConfigException::CODE, 'may_have_been_sent' => false]
            );
        }
        // Under `ffi.enable=preload` (the default outside the CLI) only preloaded scopes work:
        // `ffi.preload` of the header bindings-php/ffi-header.php prints declares ours.
        if (ini_get('ffi.enable') === 'preload' && PHP_SAPI !== 'cli') {
            try {
                return self::$loaded['scope:' . self::SCOPE] ??= PhpFfi::scope(self::SCOPE);
            } catch (\FFI\Exception $e) {
                throw new ConfigException(self::refusedMessage($e->getMessage()), ['code' => ConfigException::CODE, 'may_have_been_sent' => false], $e);
            }
        }
        $path = self::locate($configured);
        if (!isset(self::$loaded[$path])) {
            $header = file_get_contents(dirname(__DIR__) . '/include/wxpay_php.h');
            if ($header === false) {
                throw new ConfigException('cannot read include/wxpay_php.h of the wxpay PHP package', ['code' => ConfigException::CODE, 'may_have_been_sent' => false]);
            }
            try {
                self::$loaded[$path] = PhpFfi::cdef($header, $path);
            } catch (\FFI\Exception $e) {
                $why = $path === self::SONAME
                    ? sprintf(
                        'cannot find libwxpay.so: not in WXPAY_LIB, the \'lib\' configuration key, this workspace\'s target/ (%s/target), %s, nor where the dynamic loader looks (%s). Install it (the C tarball or `make install`), or set WXPAY_LIB to its absolute path',
                        dirname(__DIR__, 2),
                        implode(', ', self::PREFIXES),
                        $e->getMessage()
                    )
                    : sprintf('cannot load %s: %s', $path, $e->getMessage());
                throw new ConfigException(self::refusedMessage($why), ['code' => ConfigException::CODE, 'may_have_been_sent' => false], $e);
            }
        }
        return self::$loaded[$path];
    }

    private static function refusedMessage(string $why): string
    {
        return sprintf(
            'PHP refused FFI for wxpay (%s; ffi.enable=%s, SAPI %s). In production load the wxpay extension: `extension=wxpay.so` in php.ini (build it with `make php-ext`). '
            . 'Or keep FFI with the preload recipe of %s/preload.php (ffi.preload of the header ffi-header.php prints, ffi.enable=preload). Or set ffi.enable=true',
            $why,
            (string) ini_get('ffi.enable'),
            PHP_SAPI,
            dirname(__DIR__)
        );
    }

    /** Turn an owned wxpay_error_t into an exception, freeing it. */
    public static function exception(PhpFfi $ffi, CData $err): WxpayException
    {
        $json = (string) $ffi->wxpay_error_json($err);
        $ffi->wxpay_error_free($err);
        return WxpayException::fromJson($json);
    }

    /** A `char *` result: copy it into a PHP string and free it. */
    public static function takeString(PhpFfi $ffi, CData $out): string
    {
        $s = PhpFfi::string($out);
        $ffi->wxpay_string_free($out);
        return $s;
    }
}
