<?php
/*
 * Notifications and sensitive fields through the PHP package: the shared cases
 * (tests/reliability/notifications.json), a PSR-7 request, a delivery from the sandbox to a
 * notify_url served by PHP's built-in web server, bad input. Prints "N passed, M failed" last.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use GuzzleHttp\Psr7\ServerRequest;
use Wxpay\Exception\ConfigException;
use Wxpay\Exception\DecodeException;
use Wxpay\Exception\InvalidArgumentException;
use Wxpay\Exception\VerifyException;
use Wxpay\Exception\WxpayException;

$spec = json_decode((string) file_get_contents(dirname(__DIR__, 2) . '/tests/reliability/notifications.json'), true, 512, JSON_THROW_ON_ERROR);
$client = new Wxpay\Client(sandbox_factory_config());
check_driver($client);
$control = static function (string $method, string $path, ?array $json = null) use ($client): mixed {
    $options = ['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/'];
    if ($json !== null) {
        $options['json'] = $json;
    }
    return json_decode((string) $client->request($method, $path, $options)->getBody(), true);
};
/** [name => [values]] as PSR-7 getHeaders() gives them */
$psr = static function (array $pairs): array {
    $h = [];
    foreach ($pairs as [$k, $v]) {
        $h[$k][] = $v;
    }
    return $h;
};

$ran = 0;
foreach ($spec['cases'] as $case) {
    $name = $case['name'];
    $expect = $case['expect'];
    $minted = $control('POST', 'notifications', ['event' => $case['event'], 'fault' => $case['fault']]);
    try {
        $n = $client->parseNotification($psr($minted['headers']), $minted['body']);
        check($expect['code'] === null, "$name: parsed, expected {$expect['code']}");
        check($n['event_type'] === $expect['event_type'], "$name: event_type");
        check($n['id'] === $minted['id'] && $n['resource']['mchid'] === '1230000109', "$name: id and resource");
        $answer = $client->notificationAnswer();
    } catch (WxpayException $e) {
        check($e->getErrorCode() === $expect['code'], "$name: code {$e->getErrorCode()}: {$e->getMessage()}");
        check($e->getVerifyFailure() === $expect['verify_failure'], "$name: verify failure");
        check(!isset($expect['mentions']) || str_contains($e->getMessage(), $expect['mentions']), "$name: message");
        $answer = $client->notificationAnswer($e);
        check(json_decode($answer['body'], true)['code'] === 'FAIL', "$name: FAIL body");
    }
    check($answer['status'] === $expect['answer_status'], "$name: answer {$answer['status']}");
    $ran++;
}
check($ran === count($spec['cases']) && $ran > 0, 'every case ran');

// The shared vectors (tests/vectors/notifications.json, made without wxpay).
$vectors = json_decode((string) file_get_contents(dirname(__DIR__, 2) . '/tests/vectors/notifications.json'), true, 512, JSON_THROW_ON_ERROR);
foreach ($vectors['cases'] as $v) {
    $vc = new Wxpay\Client(['mchid' => '1230000109', 'serial' => '3775B6A45ACD588826D15E583A95F5DD00000001',
        'privateKey' => 'file://' . dirname(__DIR__, 2) . '/tests/fixtures/merchant_key.pem', 'certs' => $v['certs'], 'apiv3_key' => $v['apiv3_key']]);
    $e = $v['expect'];
    try {
        $n = $vc->parseNotification($psr($v['headers']), $v['body'], $v['now']);
        check($e['code'] === null && $n === $e['notification'], "vector {$v['name']}");
    } catch (WxpayException $x) {
        check($x->getErrorCode() === $e['code'] && str_contains($x->getMessage(), (string) ($e['mentions'] ?? '')), "vector {$v['name']}: {$x->getMessage()}");
    }
    if (($e['signature'] ?? null) === 'valid') {
        $h = array_column($v['headers'], 1, 0);
        try {
            $vc->verify($h['Wechatpay-Timestamp'], $h['Wechatpay-Nonce'], $h['Wechatpay-Signature'], $h['Wechatpay-Serial'], $v['body'], $v['now']);
            $verified = 'valid';
        } catch (WxpayException $x) {
            $verified = $x->getMessage();
        }
        check($verified === 'valid', "vector {$v['name']}: signature verifies ($verified)");
    }
}

// A PSR-7 ServerRequest (body read from its stream, even after it was read once).
$minted = $control('POST', 'notifications', ['event' => 'refund']);
$request = new ServerRequest('POST', '/notify', $psr($minted['headers']), $minted['body']);
(string) $request->getBody();
$n = $client->parseNotification($request);
check($n['original_type'] === 'refund' && $n['summary'] === '退款成功', 'PSR-7 request');
check($client->notificationResponse()->getStatusCode() === 204, 'PSR-7 answer');
// name => value headers; missing body; a huge body; an old notification.
$flat = array_map(static fn (array $v) => $v[0], $psr($minted['headers']));
check($client->parseNotification($flat, $minted['body'])['event_type'] === 'REFUND.SUCCESS', 'name => value headers');
try {
    $client->parseNotification($flat);
    check(false, 'missing body');
} catch (InvalidArgumentException $e) {
    check(str_contains($e->getMessage(), 'php://input'), 'missing body says where it is');
}
try {
    $client->parseNotification($flat, str_repeat(' ', 1024 * 1024 + 1));
    check(false, 'huge body');
} catch (DecodeException $e) {
    check(str_contains($e->getMessage(), 'refused unread'), 'huge body refused');
}
try {
    $client->parseNotification($flat, $minted['body'], 1000000000);
    check(false, 'old notification');
} catch (VerifyException $e) {
    check($e->getVerifyFailure() === 'TIMESTAMP_SKEW', 'now decides the window');
}
try {
    (new Wxpay\Client(['apiv3_key' => 'short-secret'] + sandbox_factory_config()));
    check(false, 'short key');
} catch (ConfigException $e) {
    check(str_contains($e->getMessage(), '32 characters') && !str_contains($e->getMessage(), 'short-secret'), 'short key refused, never shown');
}
$keyless = sandbox_factory_config();
unset($keyless['apiv3_key']);
try {
    (new Wxpay\Client($keyless))->parseNotification($flat, $minted['body']);
    check(false, 'no key');
} catch (ConfigException $e) {
    check(str_contains($e->getMessage(), 'apiv3_key'), 'no key: says what to configure');
}

// Sensitive fields.
$f = $client->encryptField('张三');
check(strlen($f['ciphertext']) === 344 && str_starts_with($f['serial'], 'PUB_KEY_ID_'), 'encryptField');
try {
    $client->encryptField(str_repeat('b', 215));
    check(false, 'over 214 bytes');
} catch (InvalidArgumentException $e) {
    check(str_contains($e->getMessage(), '214') && !str_contains($e->getMessage(), 'bbbb'), 'over 214 bytes');
}
try {
    $client->decryptField($f['ciphertext']);
    check(false, 'decrypt with the wrong key');
} catch (DecodeException $e) {
    check(true === $e instanceof DecodeException, 'decryptField: DECODE');
}
$p = $client->prepare('POST', 'v3/x', ['json' => ['name' => '张三', 'n' => 1], 'encrypt' => ['/name']]);
$headers = array_column($p['headers'], 1, 0);
check(($headers['Wechatpay-Serial'] ?? null) === $f['serial'], 'encrypt option sets Wechatpay-Serial');
check(strlen(json_decode($p['body'], true)['name']) === 344, 'encrypt option encrypts the field');

// The security self-test; what WeChat Pay encrypted for the merchant decrypts with decryptField.
$echo = json_decode((string) $client->securityEcho('hello 你好')->getBody(), true);
check($echo['echo_message'] === 'hello 你好', 'securityEcho echoes');
check($client->decryptField($echo['encrypted_echo_message']) === 'hello 你好', 'decryptField round trip');
$async = $client->securityEchoAsync('async')->then(static fn ($r) => json_decode((string) $r->getBody(), true)['echo_message'])->wait();
check($async === 'async', 'securityEchoAsync()->then()->wait()');
try {
    $client->securityEcho('');
    check(false, 'empty echo message');
} catch (InvalidArgumentException $e) {
    check(str_contains($e->getMessage(), 'empty'), 'empty echo message refused');
}

// The sandbox delivers to a notify_url served by PHP's built-in web server: a probe (401),
// then the notification (204).
$log = tempnam(sys_get_temp_dir(), 'wxpay-notify-');
$sock = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
fclose($sock);
// (the built-in server is not the CLI: FFI there needs ffi.enable=1 or the preload recipe)
$args = [PHP_BINARY, '-d', 'zend.assertions=1', '-d', 'ffi.enable=1'];
// The endpoint runs on the same driver as this suite (tests/run.sh passes WXPAY_PHP_ARGS).
foreach (explode(' ', (string) getenv('WXPAY_PHP_ARGS')) as $a) {
    if ($a !== '') {
        $args[] = $a;
    }
}
$args = array_merge($args, ['-S', "127.0.0.1:$port", __DIR__ . '/notify_endpoint.php']);
$env = ['WXPAY_NOTIFY_LOG' => $log] + getenv();
$serverLog = tempnam(sys_get_temp_dir(), 'wxpay-php-server-');
$server = proc_open($args, [1 => ['file', $serverLog, 'w'], 2 => ['file', $serverLog, 'a']], $pipes, null, $env);
for ($i = 0; $i < 100 && @fsockopen('127.0.0.1', $port) === false; $i++) {
    usleep(50000);
}
try {
    $r = $control('POST', 'notify', ['url' => "http://127.0.0.1:$port/notify", 'event' => 'payment', 'fault' => 'signtest']);
    check($r['delivered'] === true, 'delivered: ' . json_encode($r) . "\nserver log:\n" . file_get_contents($serverLog));
    check(array_column($r['deliveries'], 'status') === [401, 204], 'a probe, then the notification');
    $lines = file($log, FILE_IGNORE_NEW_LINES);
    $driver = $client->driver();
    check(($lines[0] ?? '') === "$driver SIGNTEST", 'the endpoint saw the probe: ' . ($lines[0] ?? ''));
    check(str_starts_with($lines[1] ?? '', "$driver TRANSACTION.SUCCESS sandbox-"), 'then the payment: ' . ($lines[1] ?? ''));
} finally {
    proc_terminate($server);
    proc_close($server);
    @unlink($log);
    @unlink($serverLog);
}
finish();
