<?php
/*
 * Hostile input through the PHP package: the shared bad-input catalogue
 * (tests/reliability/bad_inputs.json), NUL bytes that a C string would cut, and a panic inside
 * the core (debug builds, WXPAY_TEST_PANIC=1) reaching PHP as an InternalException.
 * Prints "N passed, M failed" last.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use Wxpay\Builder;
use Wxpay\Exception\InternalException;
use Wxpay\Exception\InvalidArgumentException;
use Wxpay\Exception\WxpayException;

$root = dirname(__DIR__, 2);
$spec = json_decode((string) file_get_contents("$root/tests/reliability/bad_inputs.json"), true, 512, JSON_THROW_ON_ERROR);
$base = sandbox_factory_config();
$instance = Builder::factory(['retries' => 0] + $base);
$client = $instance->getDriver();
check_driver($client);
$control = static function (string $method, string $path) use ($client): mixed {
    return json_decode((string) $client->request($method, $path, ['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/'])->getBody(), true);
};

/** `{fixtures}` → the fixtures folder, ['$repeat' => [s, n]] → s repeated n times. */
function expand(mixed $v, string $fixtures): mixed
{
    if (is_string($v)) {
        return str_replace('{fixtures}', $fixtures, $v);
    }
    if (is_array($v)) {
        if (isset($v['$repeat'])) {
            return str_repeat($v['$repeat'][0], $v['$repeat'][1]);
        }
        return array_map(static fn ($x) => expand($x, $fixtures), $v);
    }
    return $v;
}

function check_error(string $name, ?WxpayException $e, array $expect): void
{
    check($e !== null && $e->getErrorCode() === $expect['code'], "$name: code " . ($e ? $e->getErrorCode() . ' ' . $e->getMessage() : 'none'));
    if ($e === null) {
        return;
    }
    $message = $e->getMessage();
    check(!$e->mayHaveBeenSent(), "$name: may_have_been_sent");
    $chars = preg_match_all('/./us', $message);
    check($chars <= 600, "$name: message of $chars characters");
    foreach ($expect['mentions'] as $want) {
        check(stripos($message, $want) !== false, "$name: `$want` not in $message");
    }
    foreach ($expect['absent'] as $bad) {
        check(!str_contains($message, $bad), "$name: echoed in $message");
    }
}

// The shared catalogue.
$cases = 0;
foreach ($spec['cases'] as $case) {
    $name = $case['name'];
    $control('POST', 'reset');
    $error = null;
    try {
        if (isset($case['config'])) {
            // The catalogue spells fields as the core does (any documented spelling), and the
            // configuration passes through untouched: start from the sandbox's as written.
            Builder::factory(expand($case['config'], "$root/tests/fixtures") + sandbox_core_config());
        } else {
            $call = expand($case['call'], "$root/tests/fixtures");
            $client->request($call['method'], $call['template'], $call['options']);
        }
    } catch (WxpayException $e) {
        $error = $e;
    }
    check_error($name, $error, $case['expect']);
    check($control('GET', 'requests') === [], "$name: something was sent");
    $cases++;
}
check($cases === count($spec['cases']) && $cases > 0, 'catalogue cases');

// Typed calls with bad arguments, through the generic entry: refused, named, nothing sent.
$badCalls = json_decode((string) file_get_contents("$root/tests/reliability/bad_calls.json"), true, 512, JSON_THROW_ON_ERROR);
foreach ($badCalls['cases'] as $case) {
    $name = "call {$case['name']}";
    $control('POST', 'reset');
    foreach (['sync' => static fn () => $client->call($case['call'], $case['args']),
              'async' => static fn () => $client->callAsync($case['call'], $case['args'])->wait()] as $style => $run) {
        $error = null;
        try {
            $run();
        } catch (WxpayException $e) {
            $error = $e;
        }
        check_error("$name ($style)", $error, $case['expect']);
        check($error instanceof InvalidArgumentException && $error->getArgument() === $case['expect']['argument'], "$name ($style): argument " . ($error instanceof InvalidArgumentException ? var_export($error->getArgument(), true) : 'none'));
    }
    check($control('GET', 'requests') === [], "$name: something was sent");
}

// NUL bytes: a C string ends at the first one, so "4200000001\0junk" would close order 4200000001.
$nul = [
    'closeTransaction' => static fn () => $client->closeTransaction("4200000001\0junk"),
    'closeOutTradeNo' => static fn () => $client->closeOutTradeNo("SHOP-1\0junk"),
    'request template' => static fn () => $client->request('POST', "v3/transactions/id/4200000001/close\0/x", ['json' => ['mchid' => '1230000109']]),
    'request method' => static fn () => $client->request("POST\0", 'v3/x'),
    'chain segment' => static fn () => $instance->v3->transactions->id->{"4200000001\0junk"}->close->post(['json' => ['mchid' => '1230000109']]),
    'placeholder value' => static fn () => $client->request('POST', 'v3/transactions/id/{transaction_id}/close', ['transaction_id' => "4200000001\0junk", 'json' => ['mchid' => '1230000109']]),
    'sign url' => static fn () => $client->sign('GET', "https://api.mch.weixin.qq.com/v3/x\0y"),
    'verify serial' => static fn () => $client->verify('1', 'n', 's', "PUB_KEY_ID_1\0x", ''),
];
$control('POST', 'reset');
foreach ($nul as $what => $call) {
    try {
        $call();
        check(false, "$what: a NUL byte was accepted");
    } catch (InvalidArgumentException $e) {
        check(!$e->mayHaveBeenSent(), "$what: may_have_been_sent");
    } catch (WxpayException $e) {
        check(false, "$what: " . get_class($e) . ' ' . $e->getMessage());
    }
}
try {
    $client->closeTransactionAsync("4200000001\0junk")->wait();
    check(false, 'closeTransactionAsync: a NUL byte was accepted');
} catch (InvalidArgumentException $e) {
    check(str_contains($e->getMessage(), 'transaction_id') && str_contains($e->getMessage(), 'NUL'), $e->getMessage());
}
$sent = array_filter($control('GET', 'requests'), static fn ($r) => str_contains($r['target'], '4200000001') || str_contains($r['target'], 'SHOP-1'));
check($sent === [], 'no NUL case reached the sandbox');

// The server closes its connections (a keep-alive timeout, a deployment): the next call must
// not fail on a pooled connection, and the process must not die of SIGPIPE writing to one.
for ($round = 0; $round < 5; $round++) {
    try {
        $client->closeTransaction('keepalive');
        $control('POST', 'close_connections');
        usleep(150000);
        check($client->closeTransaction('after-server-close')->getStatusCode() === 204, "round $round: after the server closed");
        check($client->closeTransactionAsync('after-server-close')->wait()->getStatusCode() === 204, "round $round: async after the server closed");
    } catch (WxpayException $e) {
        check(false, "round $round: " . $e->getMessage());
    }
}

// A panic inside the core is an InternalException, sync and async, and the client keeps working.
putenv('WXPAY_TEST_PANIC=1');
foreach (['sync' => static fn () => $client->closeTransaction('panic-sync'), 'async' => static fn () => $client->closeTransactionAsync('panic-async')->wait()] as $how => $call) {
    try {
        $call();
        check(false, "$how: the deliberate panic did not happen (is this a debug build?)");
    } catch (InternalException $e) {
        check(str_contains($e->getMessage(), 'deliberate test panic'), "$how: " . $e->getMessage());
        check($e->getErrorCode() === 'INTERNAL', "$how: code");
    }
}
putenv('WXPAY_TEST_PANIC');
try {
    check($client->closeTransaction('after-panic')->getStatusCode() === 204, 'after the panic');
} catch (WxpayException $e) {
    check(false, 'after the panic: ' . $e->getMessage());
}

finish();
