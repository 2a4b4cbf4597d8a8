<?php
/*
 * The typed calls of the Calls trait (generated from the core's catalogue) and the generic
 * entry under them, against the sandbox, on the driver tests/run.sh chose.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use Psr\Http\Message\ResponseInterface;
use Wxpay\Client;
use Wxpay\Exception\InvalidArgumentException;

$client = new Client(sandbox_factory_config());
check_driver($client);
$client->request('POST', 'reset', ['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/']);

// Every call of the catalogue is a method with its Async twin, documented from the catalogue.
$trait = new ReflectionClass(Wxpay\Calls::class);
foreach ($client->catalogue()['calls'] as $c) {
    if ($c['builder'] === 'upload') {
        continue; // hand-written: it takes a path, an SplFileInfo or a stream
    }
    $m = lcfirst(str_replace('_', '', ucwords($c['name'], '_')));
    check($trait->hasMethod($m) && $trait->hasMethod($m . 'Async'), "$m and {$m}Async exist");
    // (the generator wraps long summaries: compare the words)
    $words = static fn (string $t): string => implode(' ', preg_split('/[\s*]+/', $t, -1, PREG_SPLIT_NO_EMPTY));
    check(str_contains($words((string) $trait->getMethod($m)->getDocComment()), $words($c['summary'])), "$m is documented");
}

// Close, then query: a typed result array.
$r = $client->closeOutTradeNo('shop-php-1');
check($r instanceof ResponseInterface && $r->getStatusCode() === 204, 'closeOutTradeNo gives the 204 response');
$t = $client->queryOutTradeNo('shop-php-1');
check($t['trade_state'] === 'CLOSED' && $t['status'] === 200 && $t['raw']['trade_state'] === 'CLOSED', 'queryOutTradeNo gives the typed result');
check(is_string($t['request_id']) && $t['request_id'] !== '', 'the result carries the Request-ID');
$a = $client->queryOutTradeNoAsync('shop-php-1', ['endpoint' => 'global'])->then(static fn (array $x) => $x['trade_state'])->wait();
check($a === 'NOTPAY' || $a === 'CLOSED', 'queryOutTradeNoAsync()->then()->wait() resolves with the typed result');
$client->closeTransactionAsync('4200000000000000000000000000903')->wait();
check($client->queryTransaction('4200000000000000000000000000903')['trade_state'] === 'CLOSED', 'closeTransactionAsync then queryTransaction');

// The generic entry by name, sync and async, and the dry run.
$g = $client->call('query_out_trade_no', ['outTradeNo' => 'shop-php-1']);
check($g['trade_state'] === 'CLOSED', 'call() by name, camelCase keys');
$g = $client->callAsync('close_out_trade_no', ['out_trade_no' => 'shop-php-2'])->wait();
check($g['status'] === 204, 'callAsync()->wait()');
$p = $client->prepareCall('close_transaction', ['transaction_id' => '42'], 1700000000, 'n1');
check($p['method'] === 'POST' && str_ends_with($p['url'], '/hk/v3/transactions/id/42/close'), 'prepareCall gives the exact request');
check($client->prepareCall('close_transaction', ['transaction_id' => '42'], 1700000000, 'n1') === $p, 'the dry run is deterministic');

// Bad arguments: InvalidArgumentException naming the argument, nothing sent.
$cases = [
    [static fn () => $client->queryOutTradeNo('a/b'), 'out_trade_no', "'/'"],
    [static fn () => $client->call('query_out_trade_no', []), 'out_trade_no', 'out_trade_no'],
    [static fn () => $client->closeTransaction('1', ['endpoint' => 'mainland']), 'endpoint', 'endpoint'],
    [static fn () => $client->queryTransaction('1', ['transactionId' => '2']), 'transaction_id', 'once'],
    [static fn () => $client->call('no_such_call'), null, 'query_out_trade_no'],
    [static fn () => $client->queryOutTradeNo('shop-1', ['sub_mchd' => '1']), null, 'did you mean'],
    [static fn () => $client->queryOutTradeNoAsync('')->wait(), 'out_trade_no', 'empty'],
];
foreach ($cases as [$call, $argument, $words]) {
    try {
        $call();
        check(false, "refused: $words");
    } catch (InvalidArgumentException $e) {
        check(!$e->mayHaveBeenSent() && str_contains($e->getMessage(), $words), "refused before sending: " . $e->getMessage());
        if ($argument !== null) {
            check($e->getArgument() === $argument, "getArgument() is $argument");
        }
    }
}
finish();
