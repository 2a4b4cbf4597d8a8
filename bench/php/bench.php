<?php
/*
 * Benchmark client for the wxpay PHP binding (FFI, or the extension with WXPAY_DRIVER=ext):
 * BENCH_N close calls, the seed call on the HK base URI. BENCH_MODE picks the style:
 *   sync         index style, the endpoint taken once (`$endpoint = $instance['v3/…/close']`),
 *                then blocking `->post()` calls one after another (concurrency 1);
 *   declarative  the seed's declarative call as the docs write it, the chain built per call:
 *                `$instance->chain('v3/…/close')->post([...])` (concurrency 1), the same call
 *                as the wechatpay-php row (bench/php/wechatpay_php.php);
 *   async        BENCH_C `->postAsync()` calls in flight (harness.php, Each::ofLimit).
 * Prints one JSON line in the format every bench client shares (bench/README.md). Not a test:
 * bench/run.py drives it.
 */
declare(strict_types=1);

require __DIR__ . '/../../bindings-php/autoload.php';
require __DIR__ . '/harness.php';

const TEMPLATE = 'v3/transactions/id/{transaction_id}/close';
const OPTIONS = [
    'base_uri' => 'https://api.mch.weixin.qq.com/hk/',
    'transaction_id' => '1217752501201407033233368018',
    'json' => ['mchid' => '1230000109', 'sub_mchid' => '1230000109', 'sp_mchid' => '1230000109'],
];

$cfg = WxpayBench\config();
$instance = Wxpay\Builder::factory([
    'mchid' => $cfg['mchid'],
    'serial' => $cfg['serial'],
    'privateKey' => $cfg['private_key'],
    'certs' => $cfg['certs'],
    'ca_certs' => $cfg['ca_certs'] ?? [],
    'resolve' => $cfg['resolve'] ?? [],
]);
$endpoint = $instance[TEMPLATE];
match ($mode = getenv('BENCH_MODE') ?: 'sync') {
    'sync' => WxpayBench\main(static fn () => $endpoint->post(OPTIONS), null),
    'declarative' => WxpayBench\main(static fn () => $instance->chain(TEMPLATE)->post(OPTIONS), null),
    'async' => WxpayBench\main(null, static fn () => $endpoint->postAsync(OPTIONS)),
    default => WxpayBench\fail("BENCH_MODE={$mode}: use sync, declarative or async"),
};
