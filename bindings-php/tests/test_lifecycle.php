<?php
/*
 * The payment day from PHP against the stateful sandbox, started by the shipped helper
 * (Wxpay\Testing\Sandbox, `wxpay sandbox` underneath): create, pay parameters, the payer pays,
 * the notification verified by a notify_url endpoint under PHP's built-in web server, query,
 * close, refund, refund notification, code pay — sync and ->then()->wait(), mainland and HK.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use Wxpay\Exception\ApiException;
use Wxpay\Exception\InvalidArgumentException;
use Wxpay\Testing\Sandbox;
use Wxpay\Testing\SandboxException;

const APPID = 'wxd678efh567hg6787';
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const STORE = ['store_info' => ['out_id' => 'store-1']];

/** @return string the api_code of the ApiException $call throws, or what happened instead */
function api_code(callable $call): string
{
    try {
        $call();
        return 'no exception';
    } catch (ApiException $e) {
        return (string) $e->getApiCode();
    }
}

$sandbox = Sandbox::start();
$driver = getenv('WXPAY_DRIVER') ?: null;
$client = $sandbox->client($driver !== null ? ['driver' => $driver] : []);
check_driver($client);
check(str_starts_with($sandbox->url, 'https://127.0.0.1:') && $sandbox->mchid === '1230000109', 'the helper serves HTTPS for the test merchant');

// The notify_url endpoint, as in test_notifications.php, on this run's driver.
$log = tempnam(sys_get_temp_dir(), 'wxpay-notify-');
$sock = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
fclose($sock);
$args = [PHP_BINARY, '-d', 'ffi.enable=1'];
foreach (explode(' ', (string) getenv('WXPAY_PHP_ARGS')) as $a) {
    if ($a !== '') {
        $args[] = $a;
    }
}
$args = array_merge($args, ['-S', "127.0.0.1:$port", __DIR__ . '/notify_endpoint.php']);
$serverLog = tempnam(sys_get_temp_dir(), 'wxpay-php-server-');
$server = proc_open($args, [1 => ['file', $serverLog, 'w'], 2 => ['file', $serverLog, 'a']], $pipes, null,
    ['WXPAY_NOTIFY_LOG' => $log, 'WXPAY_TEST_CONFIG' => $sandbox->clientConfig] + getenv());
for ($i = 0; $i < 100 && @fsockopen('127.0.0.1', $port) === false; $i++) {
    usleep(50000);
}
$notifyUrl = "http://127.0.0.1:$port/wxpay/notify";

/** Wait until the endpoint logged `$line` (it verified and decrypted that notification). */
function saw(string $log, string $line): bool
{
    for ($i = 0; $i < 200; $i++) {
        if (in_array($line, file($log, FILE_IGNORE_NEW_LINES) ?: [], true)) {
            return true;
        }
        usleep(50000);
    }
    return false;
}

try {
    // Mainland Native: create, pay, notification, query, close refused, refund, refund notification.
    $order = $client->createNative(['out_trade_no' => 'php-native-1', 'description' => 'Tea', 'amount' => 100,
        'appid' => APPID, 'notify_url' => $notifyUrl, 'endpoint' => 'mainland', 'attach' => 'cart=7']);
    check(str_starts_with($order['code_url'], 'weixin://'), 'code_url: ' . json_encode($order));
    check($client->queryOutTradeNo('php-native-1', ['endpoint' => 'mainland'])['trade_state'] === 'NOTPAY', 'NOTPAY before paying');
    $paid = $sandbox->pay('php-native-1');
    check(saw($log, "{$client->driver()} TRANSACTION.SUCCESS php-native-1"), 'the endpoint verified TRANSACTION.SUCCESS: ' . file_get_contents($serverLog));
    $t = $client->queryOutTradeNo('php-native-1', ['endpoint' => 'mainland']);
    check([$t['trade_state'], $t['total'], $t['transaction_id'], $t['attach']] === ['SUCCESS', 100, $paid['transaction_id'], 'cart=7'], 'paid: ' . json_encode($t));
    check($client->queryTransaction($t['transaction_id'], ['endpoint' => 'mainland'])['out_trade_no'] === 'php-native-1', 'query by transaction id');
    check(api_code(fn () => $client->closeOutTradeNo('php-native-1', ['endpoint' => 'mainland'])) === 'ORDERPAID', 'closing a paid order: ORDERPAID');
    $r = $client->createRefundAsync(['out_refund_no' => 'php-native-1-r1', 'out_trade_no' => 'php-native-1', 'refund' => 60,
        'total' => 100, 'notify_url' => $notifyUrl, 'endpoint' => 'mainland'])->then(fn (array $r) => $r)->wait();
    check([$r['refund_status'], $r['refund']] === ['PROCESSING', 60], 'refund PROCESSING: ' . json_encode($r));
    check(saw($log, "{$client->driver()} REFUND.SUCCESS php-native-1"), 'the endpoint verified REFUND.SUCCESS');
    check($client->queryRefund('php-native-1-r1', ['endpoint' => 'mainland'])['refund_status'] === 'SUCCESS', 'refund settled');
    check(api_code(fn () => $client->createRefund(['out_refund_no' => 'php-native-1-r2', 'out_trade_no' => 'php-native-1',
        'refund' => 50, 'total' => 100, 'endpoint' => 'mainland'])) === 'INVALID_REQUEST', 'refunds above the total refused');

    // HK JSAPI: pay parameters, pay by prepay_id, refund, list the refunds.
    $prepay = $client->createJsapi(['out_trade_no' => 'php-hk-1', 'description' => 'Dim sum', 'amount' => 880, 'currency' => 'HKD',
        'merchant_category_code' => '5812', 'appid' => APPID, 'openid' => OPENID, 'notify_url' => $notifyUrl, 'endpoint' => 'hk']);
    $params = $client->jsapiPayParams($prepay['prepay_id'], APPID);
    check($params['package'] === "prepay_id={$prepay['prepay_id']}" && $params['signType'] === 'RSA', 'pay parameters');
    $sandbox->pay(['prepay_id' => $prepay['prepay_id']]);
    $t = $client->queryOutTradeNo('php-hk-1', ['endpoint' => 'hk']);
    check([$t['trade_state'], $t['currency']] === ['SUCCESS', 'HKD'], 'HK paid: ' . json_encode($t));
    $client->createRefund(['out_refund_no' => 'php-hk-1-r1', 'transaction_id' => $t['transaction_id'], 'refund' => 80,
        'total' => 880, 'currency' => 'HKD', 'appid' => APPID, 'endpoint' => 'hk']);
    $list = $client->listRefunds(['out_trade_no' => 'php-hk-1', 'endpoint' => 'hk']);
    check(array_column($list['refunds'] ?? [], 'out_refund_no') === ['php-hk-1-r1'], 'refund list: ' . json_encode($list));

    // Code pay: USERPAYING until the payer settles, NOTENOUGH, reverse.
    $w = $client->createMicropay(['out_trade_no' => 'php-code-1', 'description' => 'Coffee', 'amount' => 30,
        'auth_code' => '130112345678901234', 'appid' => APPID, 'endpoint' => 'mainland', 'scene_info' => STORE]);
    check($w['trade_state'] === 'USERPAYING', 'USERPAYING');
    $sandbox->pay('php-code-1');
    check($client->queryOutTradeNo('php-code-1', ['endpoint' => 'mainland'])['trade_state'] === 'SUCCESS', 'settled by the payer');
    check(api_code(fn () => $client->createMicropay(['out_trade_no' => 'php-code-2', 'description' => 'Coffee', 'amount' => 30,
        'auth_code' => '130012345678901234', 'appid' => APPID, 'endpoint' => 'mainland', 'scene_info' => STORE])) === 'NOTENOUGH', 'NOTENOUGH');
    $client->createMicropay(['out_trade_no' => 'php-code-3', 'description' => 'Coffee', 'amount' => 30,
        'auth_code' => '130112345678901235', 'appid' => APPID, 'endpoint' => 'mainland', 'scene_info' => STORE]);
    $client->reverseOutTradeNo('php-code-3', ['appid' => APPID, 'endpoint' => 'mainland']);
    check($client->queryOutTradeNo('php-code-3', ['endpoint' => 'mainland'])['trade_state'] === 'REVOKED', 'reversed');
    try {
        $sandbox->pay('php-code-3');
        check(false, 'a reversed order cannot be paid');
    } catch (SandboxException $e) {
        check($e->getStatus() === 400, 'paying a reversed order: 400');
    }

    // Bad arguments: refused by name, nothing sent.
    $before = count($sandbox->requests());
    foreach ([['amount', -1], ['amount', 1.5], ['amount', '100'], ['out_trade_no', 'bad no!']] as [$field, $value]) {
        try {
            $client->createNative([$field => $value] + ['out_trade_no' => 'php-bad-1', 'description' => 'x', 'amount' => 100,
                'appid' => APPID, 'notify_url' => $notifyUrl, 'endpoint' => 'mainland']);
            check(false, "$field " . json_encode($value) . ' accepted');
        } catch (InvalidArgumentException $e) {
            check(str_contains($e->getMessage(), $field), "$field named: " . $e->getMessage());
        }
    }
    check(count($sandbox->requests()) === $before, 'bad arguments send nothing');

    // The shared payday script (tests/vectors/payday.json): every call, each through its typed method.
    $script = json_decode((string) file_get_contents(__DIR__ . '/../../tests/vectors/payday.json'), true, 512, JSON_THROW_ON_ERROR);
    $leads = array_column($client->catalogue()['calls'], 'lead', 'name');
    $camel = static fn (string $s): string => lcfirst(str_replace(' ', '', ucwords(str_replace('_', ' ', $s))));
    $run = bin2hex(random_bytes(4));
    $saved = [];
    $fill = static function (mixed $v) use (&$fill, &$saved, $run): mixed {
        if (is_string($v)) {
            $v = str_replace('{run}', $run, $v);
            return preg_replace_callback('/\{(\w+)\.(\w+)\}/', static fn (array $m): string => (string) $saved[$m[1]][$m[2]], $v);
        }
        return is_array($v) ? array_map($fill, $v) : $v;
    };
    foreach ($script['steps'] as $i => $step) {
        $where = "payday step $i: " . json_encode($step);
        if (isset($step['pay'])) {
            try {
                $sandbox->pay($fill($step['pay']));
                check(!isset($step['pay_error']), $where);
            } catch (SandboxException $e) {
                check(($step['pay_error'] ?? null) === $e->getStatus(), "$where: " . $e->getMessage());
            }
            continue;
        }
        $args = $fill($step['args']);
        $lead = $leads[$step['call']];
        $method = $camel($step['call']);
        try {
            if ($lead !== null) {
                $value = $args[$lead];
                unset($args[$lead]);
                $result = $client->$method($value, $args);
            } else {
                $result = $client->$method($args);
            }
        } catch (ApiException $e) {
            check(($step['error'] ?? null) === $e->getApiCode(), "$where: " . $e->getMessage());
            continue;
        }
        check(!isset($step['error']), "$where: succeeded");
        if (array_key_exists('result', $step)) {
            // A call without a typed result returns its 2xx PSR-7 response.
            check($result instanceof Psr\Http\Message\ResponseInterface && $result->getStatusCode() < 300, $where);
        }
        foreach ($step['expect'] ?? [] as $field => $want) {
            $got = $result[$field] ?? null;
            check($want === '*' ? !empty($got) : $got === $fill($want), "$where: $field = " . json_encode($got));
        }
        if (isset($step['save'])) {
            $saved[$step['save']] = $result;
        }
    }

    // The helper's own errors say what is wrong.
    try {
        $sandbox->pay('never-created');
        check(false, 'paying an unknown order');
    } catch (SandboxException $e) {
        check($e->getStatus() === 400 && str_contains($e->getMessage(), 'no order created with out_trade_no never-created'), $e->getMessage());
    }
    try {
        Sandbox::start(['cli' => '/nonexistent/wxpay']);
        check(false, 'a missing cli');
    } catch (SandboxException $e) {
        check(str_contains($e->getMessage(), '/nonexistent/wxpay'), $e->getMessage());
    }
    $path = getenv('PATH');
    $cli = getenv('WXPAY_CLI');
    putenv('WXPAY_CLI');
    putenv('PATH=/nonexistent');
    try {
        Sandbox::start();
        check(false, 'no wxpay on PATH');
    } catch (SandboxException $e) {
        check(str_contains($e->getMessage(), 'WXPAY_CLI') && str_contains($e->getMessage(), 'PATH'), $e->getMessage());
    } finally {
        putenv("PATH=$path");
        putenv("WXPAY_CLI=$cli");
    }
} finally {
    proc_terminate($server);
    proc_close($server);
    @unlink($log);
    @unlink($serverLog);
    $state = dirname($sandbox->clientConfig);
    $sandbox->stop();
    $sandbox->stop(); // twice is fine
    check(!is_dir($state), 'stop() removes the state folder');
}
finish();
