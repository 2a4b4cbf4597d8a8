<?php
/**
 * Autoloader for use without Composer: `require '/path/to/bindings-php/autoload.php';`
 *
 * Loads Wxpay\ classes from src/ (PSR-4) and, unless another autoloader already provides them,
 * the PSR-7 interfaces, guzzlehttp/psr7 and guzzlehttp/promises from Debian's packages
 * (php-psr-http-message, php-guzzlehttp-psr7, php-guzzlehttp-promises), and PSR-3 (php-psr-log)
 * when it is installed, for a `logger`.
 */
declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Wxpay\\', 6) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 6)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});

(static function (): void {
    $packaged = [
        'Psr\\Http\\Message\\ResponseInterface' => '/usr/share/php/Psr/Http/Message/autoload.php',
        'GuzzleHttp\\Psr7\\Response' => '/usr/share/php/GuzzleHttp/Psr7/autoload.php',
        'GuzzleHttp\\Promise\\Promise' => '/usr/share/php/GuzzleHttp/Promise/autoload.php',
        'Psr\\Log\\LoggerInterface' => '/usr/share/php/Psr/Log/autoload.php',
    ];
    foreach ($packaged as $symbol => $file) {
        if (!is_file($file)) {
            continue;
        }
        $declared = class_exists($symbol, false) || interface_exists($symbol, false);
        if (!$declared && (class_exists($symbol) || interface_exists($symbol))) {
            continue; // another autoloader (Composer's) provides the package
        }
        // Not provided, or declared from the packaged files by opcache.preload (preload.php):
        // then its autoloader is gone in this request, and the classes that were not preloaded
        // still need it.
        if (!$declared || str_starts_with((string) (new ReflectionClass($symbol))->getFileName(), dirname($file) . '/')) {
            require_once $file;
        }
    }
})();
