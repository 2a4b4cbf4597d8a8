<?php
/*
 * One php-fpm request, as a PHP shop writes it: build the instance from configuration, then
 * call. ?case=seed runs the six documented snippets verbatim (examples/seed_snippets.php),
 * ?case=api_error closes a paid order, ?case=ffi forces the FFI driver, ?case=stats reads the
 * sandbox's connection count, ?case=events closes twice (sync, async) with an on_event hook and
 * reports what it got. Answers one JSON line.
 */
declare(strict_types=1);

require_once dirname(__DIR__, 2) . '/autoload.php';

header('Content-Type: application/json');
$core = json_decode((string) file_get_contents((string) getenv('WXPAY_TEST_CONFIG')), true, 512, JSON_THROW_ON_ERROR);
$config = [
    'mchid' => $core['mchid'], 'serial' => $core['serial'], 'privateKey' => $core['private_key'],
    'certs' => $core['certs'], 'ca_certs' => $core['ca_certs'], 'resolve' => $core['resolve'],
];
$case = (string) ($_GET['case'] ?? 'seed');
$out = ['case' => $case, 'pid' => getmypid(), 'sapi' => PHP_SAPI];
try {
    if ($case === 'ffi') {
        $config['driver'] = 'ffi';
    }
    $instance = Wxpay\Builder::factory($config);
    $out['driver'] = $instance->getDriver()->driver();
    if ($case === 'seed' || $case === 'ffi') {
        ob_start();
        include dirname(__DIR__, 2) . '/examples/seed_snippets.php';
        $out['printed'] = ob_get_clean();
    } elseif ($case === 'stats') {
        $out['stats'] = json_decode((string) $instance->chain('stats')->get(['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/'])->getBody(), true);
    } elseif ($case === 'events') {
        // The C ABI calls back inside the call on this worker's thread: under the preload
        // recipe the FFI driver's callback is a PHP closure, the extension's a C function.
        $seen = [];
        $config['on_event'] = static function (array $e) use (&$seen): void {
            $seen[] = $e['kind'] . ':' . ($e['status'] ?? '-');
        };
        $client = new Wxpay\Client($config);
        $client->closeTransaction('fpm-ev-' . getmypid() . '-' . mt_rand());
        $client->closeTransactionAsync('fpm-ev-a-' . getmypid() . '-' . mt_rand())->wait();
        $out['events'] = $seen;
    } elseif ($case === 'api_error') {
        $id = 'fpm-paid-' . getmypid() . '-' . mt_rand();
        $instance->chain('orders')->post(['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/', 'json' => ['id' => $id, 'state' => 'SUCCESS']]);
        $instance->getDriver()->closeTransaction($id);
        $out['printed'] = 'no exception';
    }
} catch (Wxpay\Exception\WxpayException $e) {
    $out['exception'] = get_class($e);
    $out['code'] = $e->getErrorCode();
    $out['api_code'] = $e->getApiCode();
    $out['message'] = $e->getMessage();
}
echo json_encode($out, JSON_UNESCAPED_SLASHES), "\n";
