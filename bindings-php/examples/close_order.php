<?php
/*
 * Close an order from PHP with wxpay, in the six ways the PHP SDK documents.
 *
 *   php bindings-php/examples/close_order.php CONFIG.json
 *
 * CONFIG.json is a wxpay client configuration (the one `wxpay-sandbox --client-config` writes
 * reaches the sandbox at the real host names through resolve + ca_certs). In an application you
 * would pass the same keys straight to Wxpay\Builder::factory().
 */
declare(strict_types=1);

require __DIR__ . '/../autoload.php';

$path = $argv[1] ?? getenv('WXPAY_CONFIG');
if (!is_string($path) || !is_file($path)) {
    fwrite(STDERR, "usage: php close_order.php CONFIG.json\n");
    exit(2);
}
$c = json_decode((string) file_get_contents($path), true, 512, JSON_THROW_ON_ERROR);

$instance = Wxpay\Builder::factory([
    'mchid'      => $c['mchid'],
    'serial'     => $c['serial'],
    'privateKey' => $c['private_key'],
    'certs'      => $c['certs'],
    // Only to reach the sandbox with unchanged production URLs:
    'ca_certs'   => $c['ca_certs'] ?? [],
    'resolve'    => $c['resolve'] ?? [],
]);

require __DIR__ . '/seed_snippets.php';
echo PHP_EOL;
