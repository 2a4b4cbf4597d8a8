<?php
/*
 * One php-fpm request as a PHP shop writes it (bench/fpm.py drives it): build the instance
 * from configuration in this request (`Wxpay\Builder::factory`), then the seed's sync
 * declarative close call. Answers `204` or the error. Not a test.
 */
declare(strict_types=1);

require dirname(__DIR__, 2) . '/bindings-php/autoload.php';

$core = json_decode((string) file_get_contents((string) getenv('BENCH_CONFIG')), true, 512, JSON_THROW_ON_ERROR);
// BENCH_MERCHANTS=M (the many-merchants pool): this request is one of M merchants', at random
// (mchid 1900000000 + i, its own serial; the bench sandbox knows them), as a platform's is.
$merchants = (int) getenv('BENCH_MERCHANTS');
[$mchid, $serial] = [$core['mchid'], $core['serial']];
if ($merchants > 0) {
    $i = mt_rand(0, $merchants - 1);
    [$mchid, $serial] = [(string) (1900000000 + $i), sprintf('%040X', 0x5EC00000 + $i)];
}
$instance = Wxpay\Builder::factory([
    'mchid' => $mchid, 'serial' => $serial, 'privateKey' => $core['private_key'],
    'certs' => $core['certs'], 'ca_certs' => $core['ca_certs'], 'resolve' => $core['resolve'],
]);
try {
    $response = $instance->chain('v3/transactions/id/{transaction_id}/close')->post([
        'base_uri' => 'https://api.mch.weixin.qq.com/hk/',
        'transaction_id' => '1217752501201407033233368018',
        'json' => $merchants > 0 ? ['mchid' => $mchid] : ['mchid' => '1230000109', 'sub_mchid' => '1230000109', 'sp_mchid' => '1230000109'],
    ]);
    echo $response->getStatusCode(), ' ', $instance->getDriver()->driver();
} catch (Wxpay\Exception\WxpayException $e) {
    echo get_class($e), ': ', $e->getMessage();
}
