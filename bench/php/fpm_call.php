<?php
/*
 * One php-fpm request as a PHP shop writes it (bench/fpm.py drives it): build the instance
 * from configuration in this request (`Wxpay\Builder::factory`), then the seed's sync
 * declarative close call. Answers `204` or the error. Not a test.
 */
declare(strict_types=1);

require dirname(__DIR__, 2) . '/bindings-php/autoload.php';

$core = json_decode((string) file_get_contents((string) getenv('BENCH_CONFIG')), true, 512, JSON_THROW_ON_ERROR);
$instance = Wxpay\Builder::factory([
    'mchid' => $core['mchid'], 'serial' => $core['serial'], 'privateKey' => $core['private_key'],
    'certs' => $core['certs'], 'ca_certs' => $core['ca_certs'], 'resolve' => $core['resolve'],
]);
try {
    $response = $instance->chain('v3/transactions/id/{transaction_id}/close')->post([
        'base_uri' => 'https://api.mch.weixin.qq.com/hk/',
        'transaction_id' => '1217752501201407033233368018',
        'json' => ['mchid' => '1230000109', 'sub_mchid' => '1230000109', 'sp_mchid' => '1230000109'],
    ]);
    echo $response->getStatusCode(), ' ', $instance->getDriver()->driver();
} catch (Wxpay\Exception\WxpayException $e) {
    echo get_class($e), ': ', $e->getMessage();
}
