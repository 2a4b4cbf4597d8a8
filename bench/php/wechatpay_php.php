<?php
/*
 * Bench client: the peer wechatpay-php 1.4.12 (the official pure-PHP SDK, vendored unmodified
 * under bench/php/peers/ because Packagist is not reachable here; see its README.md), making
 * the same seed call as wxpay's `declarative` row: close by transaction_id on the HK base URI,
 * `$instance->chain('v3/transactions/id/{transaction_id}/close')->post([...])`, the chain built
 * per call as its README writes it. BENCH_MODE=declarative: blocking calls one after another;
 * BENCH_MODE=async: `->postAsync()` under harness.php's Each::ofLimit, BENCH_C in flight.
 *
 * Configured as its README recommends: `Builder::factory` once, with the merchant key and the
 * platform certificate / public key loaded once by `Rsa::from` (so each is parsed once; the sandbox's `file://` paths are a form
 * `Rsa::from` reads), Guzzle
 * (Debian's php-guzzlehttp-guzzle) with its default handler, cURL. Redirect: the URL stays
 * https://api.mch.weixin.qq.com/hk/…, so the signed path and TLS name are those of production;
 * cURL's CONNECT_TO (a Guzzle `curl` request option) sends the connection to the sandbox's
 * loopback address (the configuration's `resolve` entry), and Guzzle's `verify` trusts the
 * sandbox CA (BENCH_CA). Driven by bench/run.py.
 */
declare(strict_types=1);

require 'GuzzleHttp/autoload.php'; // Debian: /usr/share/php (include_path)
require __DIR__ . '/harness.php';

// What Composer's PSR-4 autoloader would do for the two vendored packages.
spl_autoload_register(static function (string $class): void {
    foreach (['WeChatPay\\' => 'wechatpay-php/src/', 'GuzzleHttp\\UriTemplate\\' => 'uri-template/src/'] as $prefix => $dir) {
        if (strncmp($class, $prefix, strlen($prefix)) === 0) {
            $file = __DIR__ . '/peers/' . $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});

use WeChatPay\Builder;
use WeChatPay\Crypto\Rsa;

const TEMPLATE = 'v3/transactions/id/{transaction_id}/close';

$cfg = WxpayBench\config();
$sandbox = $cfg['resolve']['api.mch.weixin.qq.com'] ?? null; // "127.0.0.1:PORT"
$ca = getenv('BENCH_CA');
if (!is_string($sandbox) || !is_string($ca) || !is_file($ca)) {
    WxpayBench\fail('BENCH_CONFIG needs resolve.api.mch.weixin.qq.com, and BENCH_CA the sandbox CA (PEM)');
}
$certs = [];
foreach ($cfg['certs'] as $serial => $pem) {
    $certs[$serial] = Rsa::from($pem, Rsa::KEY_TYPE_PUBLIC);
}
$instance = Builder::factory([
    'mchid' => $cfg['mchid'],
    'serial' => $cfg['serial'],
    'privateKey' => Rsa::from($cfg['private_key'], Rsa::KEY_TYPE_PRIVATE),
    'certs' => $certs,
    // Guzzle client options, passed through by Builder::factory.
    'verify' => $ca,
    'curl' => [CURLOPT_CONNECT_TO => ["api.mch.weixin.qq.com:443:{$sandbox}"]],
]);
$options = [
    'base_uri' => 'https://api.mch.weixin.qq.com/hk/',
    'transaction_id' => '1217752501201407033233368018',
    'json' => ['mchid' => '1230000109', 'sub_mchid' => '1230000109', 'sp_mchid' => '1230000109'],
];
match ($mode = getenv('BENCH_MODE') ?: 'declarative') {
    'declarative' => WxpayBench\main(static fn () => $instance->chain(TEMPLATE)->post($options), null),
    'async' => WxpayBench\main(null, static fn () => $instance->chain(TEMPLATE)->postAsync($options)),
    default => WxpayBench\fail("BENCH_MODE={$mode}: use declarative or async"),
};
