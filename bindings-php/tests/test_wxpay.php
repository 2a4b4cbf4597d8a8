<?php
/*
 * PHP tests of the wxpay FFI wrapper against the sandbox over TLS (run by tests/run.sh, which
 * starts the sandbox and passes WXPAY_TEST_CONFIG, a client configuration that reaches it at
 * the real host names through resolve + ca_certs). Prints "N passed, M failed" last.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use GuzzleHttp\Promise\Utils;
use Psr\Http\Message\ResponseInterface;
use Wxpay\Builder;
use Wxpay\Exception;

/** Run $fn, expect an exception of $class; return it (or null). */
function expect(string $class, callable $fn, string $what): ?Throwable
{
    try {
        $fn();
    } catch (Throwable $e) {
        check($e instanceof $class, "$what: expected $class, got " . get_class($e) . ': ' . $e->getMessage());
        check($e instanceof Exception\WxpayException, "$what: under the WxpayException base");
        return $e;
    }
    check(false, "$what: expected $class, nothing was thrown");
    return null;
}

$base = ['retries' => 0] + sandbox_factory_config();
$FIXTURES = dirname(__DIR__, 2) . '/tests/fixtures';

$instance = Builder::factory($base);
check_driver($instance->getDriver());
$driver = $instance->getDriver();

/** Drive the sandbox's control API through wxpay itself (its answers are signed). */
function sandbox(string $method, string $path, ?array $json = null): mixed
{
    global $instance;
    $options = ['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/'];
    if ($json !== null) {
        $options['json'] = $json;
    }
    $r = $instance->chain($path)->{strtolower($method)}($options);
    return json_decode((string) $r->getBody(), true);
}

// --- The seed's six snippets, verbatim, each printing 1 ------------------------------------
sandbox('POST', 'reset');
ob_start();
require __DIR__ . '/../examples/seed_snippets.php';
$printed = ob_get_clean();
check($printed === '111111', "the six seed snippets print 111111, got '$printed'");
$log = sandbox('GET', 'requests');
check(count($log) === 6, 'the sandbox received six close calls');
foreach ($log as $entry) {
    check($entry['method'] === 'POST' && $entry['target'] === '/hk/v3/transactions/id/1217752501201407033233368018/close', 'seed target: ' . $entry['target']);
    check($entry['body'] === '{"mchid":"1230000109","sub_mchid":"1230000109","sp_mchid":"1230000109"}', 'seed body: ' . $entry['body']);
}

// --- Responses are PSR-7 --------------------------------------------------------------------
$r = $instance['v3/global/transactions/id/{transaction_id}']->get([
    'base_uri' => 'https://apihk.mch.weixin.qq.com/',
    'transaction_id' => '1217752501201407033233368018',
    'query' => ['mchid' => '1230000109'],
]);
check($r instanceof ResponseInterface, 'a PSR-7 response');
check($r->getStatusCode() === 200, 'GET answers 200');
check(strlen($r->getHeaderLine('Request-ID')) === 32, 'Request-ID header, case-insensitive');
check(json_decode((string) $r->getBody(), true)['trade_state'] === 'CLOSED', 'the order was closed by the snippets');
// A header received twice is one header with its values joined (the same rule in every language).
sandbox('POST', 'faults', ['fault' => 'repeated_header', 'path' => '/close']);
$r = $instance->getDriver()->closeTransaction('repeated-header');
check($r->getHeaderLine('X-Sandbox-Repeated') === 'one, two', 'a repeated header reads "one, two": ' . $r->getHeaderLine('X-Sandbox-Repeated'));

// --- Chain normalisation is the core's -----------------------------------------------------
check($instance->v3->transactions->id->_transaction_id_->close->pathname() === 'v3/transactions/id/{transaction_id}/close', 'chain pathname');
check($instance->v3->merchantService->complaintsV2->pathname() === 'v3/merchant-service/complaints-v2', 'camelCase segments');
check($instance['v3/x/{id}']->pathname() === 'v3/x/{id}', 'index pathname');

// --- Typed close ----------------------------------------------------------------------------
check($driver->closeTransaction('4200000001')->getStatusCode() === 204, 'closeTransaction');
check($driver->closeTransaction('4200000001', ['endpoint' => 'global', 'sub_mchid' => '1900000109'])->getStatusCode() === 204, 'closeTransaction global');
check($driver->closeOutTradeNo('shop-7')->getStatusCode() === 204, 'closeOutTradeNo');
check($driver->closeTransactionAsync('4200000002')->wait()->getStatusCode() === 204, 'closeTransactionAsync');

// --- API errors -------------------------------------------------------------------------------
sandbox('POST', 'orders', ['id' => 'paid-php', 'state' => 'SUCCESS']);
$e = expect(Exception\ApiException::class, fn () => $instance->v3->transactions->id->_transaction_id_->close->post([
    'base_uri' => 'https://api.mch.weixin.qq.com/hk/', 'transaction_id' => 'paid-php', 'json' => ['mchid' => '1230000109'],
]), 'ORDERPAID');
if ($e instanceof Exception\ApiException) {
    check($e->getErrorCode() === 'API', 'code API');
    check($e->getHttpStatus() === 400 && $e->getCode() === 400, 'HTTP 400');
    check($e->getApiCode() === 'ORDERPAID', 'api code');
    check($e->getApiMessage() !== '', 'api message');
    check(strlen((string) $e->getRequestId()) === 32, 'request id');
    check(str_contains((string) $e->getBody(), 'ORDERPAID'), 'raw body');
    check($e->mayHaveBeenSent(), 'sent');
    check($e->getResponse()->getStatusCode() === 400, 'getResponse() like Guzzle');
    check($e->toArray()['api_code'] === 'ORDERPAID', 'toArray');
}
$wrongKey = Builder::factory(['privateKey' => "file://$FIXTURES/other_key.pem"] + $base);
$e = expect(Exception\ApiException::class, fn () => $wrongKey->getDriver()->closeTransaction('x'), 'SIGN_ERROR');
if ($e) {
    check($e->getApiCode() === 'SIGN_ERROR' && $e->getHttpStatus() === 401, 'SIGN_ERROR 401');
    check(($e->getSignInformation()['url'] ?? '') === '/hk/v3/transactions/id/x/close', 'sign_information url');
}

// --- Verification, decoding, transport, timeout ---------------------------------------------
foreach (['bad_signature' => 'BAD_SIGNATURE', 'no_signature' => 'MISSING_HEADERS', 'stale_timestamp' => 'TIMESTAMP_SKEW', 'unknown_serial' => 'UNKNOWN_SERIAL', 'signtest' => 'SIGNTEST'] as $fault => $reason) {
    sandbox('POST', 'faults', ['fault' => $fault, 'path' => '/close']);
    $e = expect(Exception\VerifyException::class, fn () => $driver->closeTransaction('v'), $fault);
    check($e instanceof Exception\WxpayException && $e->getVerifyFailure() === $reason && $e->getErrorCode() === 'VERIFY', "$fault → $reason");
}
sandbox('POST', 'faults', ['fault' => 'status_200', 'path' => '/close']);
expect(Exception\DecodeException::class, fn () => $driver->closeTransaction('d'), '200 where 204 is due');

$dead = Builder::factory(['resolve' => ['api.mch.weixin.qq.com' => '127.0.0.1:9']] + $base);
$e = expect(Exception\TransportException::class, fn () => $dead->getDriver()->closeTransaction('t'), 'connection refused');
check($e instanceof Exception\WxpayException && !$e->mayHaveBeenSent() && $e->getHttpStatus() === null, 'refused: not sent');

$slow = Builder::factory(['timeout' => 0.3] + $base);
sandbox('POST', 'faults', ['fault' => 'delay', 'delay_ms' => 2000, 'path' => '/close']);
$t0 = microtime(true);
$e = expect(Exception\TimeoutException::class, fn () => $slow->getDriver()->closeTransaction('slow'), 'timeout');
check(microtime(true) - $t0 < 1.9, 'the 0.3 s deadline fired before the 2 s delay ended');
check($slow->getDriver()->closeTransaction('after')->getStatusCode() === 204, 'the client works after a timeout');

// --- Bad configuration -----------------------------------------------------------------------
$configCases = [
    'missing privateKey' => [array_diff_key($base, ['privateKey' => 1]), 'private_key'],
    'missing key file' => [['privateKey' => 'file:///nonexistent/apiclient_key.pem'] + $base, 'cannot read file'],
    'EC key' => [['privateKey' => "file://$FIXTURES/ec_key.pem"] + $base, 'not RSA'],
    'encrypted key' => [['privateKey' => "file://$FIXTURES/encrypted_key.pem"] + $base, 'encrypted'],
    'certificate as key' => [['privateKey' => "file://$FIXTURES/merchant_cert.pem"] + $base, 'certificate'],
    'empty certs' => [['certs' => []] + $base, 'certs'],
    'bad timeout' => [['timeout' => 'soon'] + $base, 'timeout'],
    'unknown key' => [['privateKeyPath' => 'x'] + $base, 'privateKeyPath'],
    'integer mchid ok, letters not' => [['mchid' => '12ab'] + $base, 'digits'],
];
foreach ($configCases as $what => [$config, $needle]) {
    $e = expect(Exception\ConfigException::class, fn () => Builder::factory($config), $what);
    check($e !== null && str_contains($e->getMessage(), $needle), "$what: message names '$needle': " . ($e?->getMessage() ?? ''));
    check($e !== null && !str_contains($e->getMessage(), 'MII'), "$what: no key material");
}
check(Builder::factory(['mchid' => 1230000109] + $base) instanceof Wxpay\Chainable, 'an integer mchid is accepted');
if (function_exists('openssl_pkey_get_private')) {
    $key = openssl_pkey_get_private("file://$FIXTURES/merchant_key.pem");
    check(Builder::factory(['privateKey' => $key] + $base)->getDriver()->closeTransaction('k')->getStatusCode() === 204, 'an OpenSSL key object works as privateKey');
}

// --- Bad arguments -------------------------------------------------------------------------
$argCases = [
    'missing placeholder' => fn () => $instance->v3->transactions->id->_transaction_id_->close->post(['json' => []]),
    'typo in placeholder' => fn () => $instance->v3->transactions->id->_transaction_id_->close->post(['transactionId' => '1']),
    'dot-dot id' => fn () => $instance->v3->transactions->id->_transaction_id_->close->post(['transaction_id' => '..']),
    'query not a map' => fn () => $instance->v3->x->get(['query' => 'mchid=1']),
    'unencodable option' => fn () => $instance->v3->x->post(['json' => ['a' => NAN]]),
    'plain http base_uri' => fn () => $instance->v3->x->post(['base_uri' => 'http://api.mch.weixin.qq.com/']),
    'GET with a body' => fn () => $instance->v3->x->get(['json' => ['a' => 1]]),
    'empty transaction id' => fn () => $driver->closeTransaction(''),
    'transaction id too long' => fn () => $driver->closeTransaction(str_repeat('4', 33)),
    'slash in transaction id' => fn () => $driver->closeTransaction('a/b'),
    'dot-dot transaction id' => fn () => $driver->closeTransaction('..'),
    'query in out_trade_no' => fn () => $driver->closeOutTradeNo('a?b#c'),
    'percent in out_trade_no' => fn () => $driver->closeOutTradeNo('a%2F'),
    'space in out_trade_no' => fn () => $driver->closeOutTradeNo('a b'),
    'non-ASCII out_trade_no' => fn () => $driver->closeOutTradeNo('订单'),
];
foreach ($argCases as $what => $fn) {
    $e = expect(Exception\InvalidArgumentException::class, $fn, $what);
    check($e instanceof Exception\WxpayException && !$e->mayHaveBeenSent() && $e->getErrorCode() === 'INVALID_ARGUMENT', "$what: not sent");
}
$e = expect(Exception\InvalidArgumentException::class, fn () => $instance->v3->transactions->id->_transaction_id_->close->postAsync([])->wait(), 'async argument error rejects');

// --- Async -----------------------------------------------------------------------------------
$seen = null;
$instance['v3/transactions/id/{transaction_id}/close']->postAsync([
    'base_uri' => 'https://api.mch.weixin.qq.com/hk/', 'transaction_id' => 'paid-php', 'json' => ['mchid' => '1230000109'],
])->then(function () {
    check(false, 'a rejected call must not fulfil');
})->otherwise(function (Throwable $e) use (&$seen) {
    $seen = $e;
})->wait();
check($seen instanceof Exception\ApiException && $seen->getApiCode() === 'ORDERPAID', 'otherwise() receives the ApiException');
expect(Exception\ApiException::class, fn () => $driver->requestAsync('POST', 'v3/transactions/id/{transaction_id}/close', [
    'base_uri' => 'https://api.mch.weixin.qq.com/hk/', 'transaction_id' => 'paid-php', 'json' => ['mchid' => '1230000109'],
])->wait(), 'wait() throws the rejection');

sandbox('POST', 'faults', ['fault' => 'delay', 'delay_ms' => 300, 'path' => '/close', 'count' => 20]);
$t0 = microtime(true);
$promises = [];
for ($i = 0; $i < 20; $i++) {
    $promises[] = $instance->v3->transactions->id->_transaction_id_->close->postAsync([
        'base_uri' => 'https://api.mch.weixin.qq.com/hk/', 'transaction_id' => "many-$i", 'json' => ['mchid' => '1230000109'],
    ]);
}
$responses = Utils::all($promises)->wait();
$elapsed = microtime(true) - $t0;
check(count(array_filter($responses, fn ($r) => $r->getStatusCode() === 204)) === 20, '20 concurrent async calls all 204');
check($elapsed < 20 * 0.3, sprintf('they ran concurrently (%.2f s for 20 × 0.3 s delays)', $elapsed));

// Cancelling a promise cancels the call, retries included: each attempt answers 500 after
// 600 ms and the client would retry three times; cancelled during attempt 1, the sandbox sees
// one attempt, not four.
sandbox('POST', 'reset');
sandbox('POST', 'faults', ['fault' => 'status', 'status' => 500, 'delay_ms' => 600, 'count' => 10, 'path' => 'cancel-me']);
$retrying = Builder::factory(['retries' => 3] + $base);
$p = $retrying->chain('v3/transactions/id/{transaction_id}/close')->postAsync([
    'base_uri' => 'https://api.mch.weixin.qq.com/hk/', 'transaction_id' => 'cancel-me', 'json' => ['mchid' => '1230000109'],
]);
usleep(200000);
$p->cancel();
usleep(1300000); // attempt 2 would have arrived at ~700 ms
$attempts = array_filter(sandbox('GET', 'requests'), static fn ($r) => str_contains($r['target'], 'cancel-me'));
check(count($attempts) === 1, 'a cancelled promise makes one attempt, not ' . count($attempts));
check($p->getState() === 'rejected', 'a cancelled promise is rejected');
sandbox('DELETE', 'faults');

// --- Signing, verification, dry run: the shared vectors --------------------------------------
$vectors = json_decode((string) file_get_contents(dirname(__DIR__, 2) . '/tests/vectors/signing.json'), true, 512, JSON_THROW_ON_ERROR);
foreach ($vectors['requests'] as $v) {
    $p = $driver->prepare($v['method'], $v['template'], $v['options'], $v['timestamp'], $v['nonce']);
    check($p['url'] === $v['url'], "{$v['name']}: url");
    check($p['body'] === $v['body'], "{$v['name']}: body");
    check($p['authorization'] === $v['authorization'], "{$v['name']}: authorization byte-identical");
    check($driver->sign($v['method'], $v['url'], $v['body'], $v['timestamp'], $v['nonce']) === $v['authorization'], "{$v['name']}: sign()");
}
foreach ($vectors['calls'] as $v) {
    $p = $driver->prepareCall($v['call'], $v['args'], $v['timestamp'], $v['nonce']);
    check($p['method'] === $v['method'] && $p['url'] === $v['url'], "call {$v['name']}: method and url");
    check($p['body'] === $v['body'], "call {$v['name']}: body");
    check($p['authorization'] === $v['authorization'], "call {$v['name']}: authorization byte-identical");
}
// The pay parameters (openssl's signatures): exactly the front end's object, keys in order.
$snake = ['appId' => 'appid', 'prepayId' => 'prepay_id', 'timeStamp' => 'timestamp', 'nonceStr' => 'nonce'];
foreach ($vectors['pay_params'] as $v) {
    $a = [];
    foreach ($v['args'] as $k => $x) {
        $a[$snake[$k] ?? $k] = $x;
    }
    $got = $v['kind'] === 'app'
        ? $driver->appPayParams($a['prepay_id'], $a['appid'], $a['partnerid'] ?? null, (int) $a['timestamp'], $a['nonce'])
        : $driver->jsapiPayParams($a['prepay_id'], $a['appid'], (int) $a['timestamp'], $a['nonce']);
    check(json_encode($got, JSON_UNESCAPED_SLASHES) === json_encode($v['expect'], JSON_UNESCAPED_SLASHES), "pay params {$v['name']}: byte-identical with openssl's");
}
$pp = $driver->jsapiPayParams('wx2', 'wx1');
$pub = openssl_pkey_get_public((string) file_get_contents(dirname(__DIR__, 2) . '/tests/fixtures/merchant_pub.pem'));
check(openssl_verify("wx1\n{$pp['timeStamp']}\n{$pp['nonceStr']}\nprepay_id=wx2\n", base64_decode($pp['paySign']), $pub, OPENSSL_ALGO_SHA256) === 1, 'pay params default to now and a fresh nonce, signed with the merchant key');
check($pp['nonceStr'] !== $driver->jsapiPayParams('wx2', 'wx1')['nonceStr'], 'a fresh nonce each time');
foreach ([
    ['prepay_id', fn () => $driver->jsapiPayParams("a\nb", 'wx1')],
    ['prepay_id', fn () => $driver->jsapiPayParams('prepay_id=wx2', 'wx1')],
    ['appid', fn () => $driver->jsapiPayParams('wx2', '')],
    ['partnerid', fn () => $driver->appPayParams('wx2', 'wx1', '12ab')],
    ['timestamp', fn () => $driver->appPayParams('wx2', 'wx1', null, -1)],
] as [$argument, $fn]) {
    $e = expect(Exception\InvalidArgumentException::class, $fn, "bad pay params ($argument)");
    check($e instanceof Exception\InvalidArgumentException && $e->getArgument() === $argument, "bad pay params name $argument");
}
$r = $instance['v3/global/transactions/id/{transaction_id}']->get([
    'base_uri' => 'https://apihk.mch.weixin.qq.com/', 'transaction_id' => 'q', 'query' => ['mchid' => '1230000109'],
]);
$h = fn (string $n) => $r->getHeaderLine($n);
$body = (string) $r->getBody();
try {
    $driver->verify($h('Wechatpay-Timestamp'), $h('Wechatpay-Nonce'), $h('Wechatpay-Signature'), $h('Wechatpay-Serial'), $body);
    $verified = 'accepted';
} catch (Exception\WxpayException $e) {
    $verified = $e->getMessage();
}
check($verified === 'accepted', "verify() accepts a genuine answer: $verified");
$e = expect(Exception\VerifyException::class, fn () => $driver->verify($h('Wechatpay-Timestamp'), $h('Wechatpay-Nonce'), $h('Wechatpay-Signature'), $h('Wechatpay-Serial'), $body . ' '), 'tampered body');
check($e instanceof Exception\WxpayException && $e->getVerifyFailure() === 'BAD_SIGNATURE', 'tampered → BAD_SIGNATURE');
$e = expect(Exception\VerifyException::class, fn () => $driver->verify($h('Wechatpay-Timestamp'), $h('Wechatpay-Nonce'), null, $h('Wechatpay-Serial'), $body), 'no signature');
check($e instanceof Exception\WxpayException && $e->getVerifyFailure() === 'MISSING_HEADERS', 'null header → MISSING_HEADERS');

// --- The library is found through WXPAY_LIB first ----------------------------------------------
$lib = Wxpay\Ffi::locate();
putenv('WXPAY_LIB=/nonexistent/libwxpay.so');
$e = expect(Exception\ConfigException::class, fn () => Wxpay\Ffi::locate($lib), 'WXPAY_LIB wins over lib');
check($e !== null && str_contains($e->getMessage(), 'WXPAY_LIB'), 'the message names WXPAY_LIB');
putenv("WXPAY_LIB=$lib");
check(Wxpay\Ffi::locate('/also/ignored') === realpath($lib), 'WXPAY_LIB is used when set');
putenv('WXPAY_LIB');
if ($driver->driver() === 'ffi') {
    $e = expect(Exception\ConfigException::class, fn () => Builder::factory(['lib' => '/nonexistent/libwxpay.so'] + $base), "a bad 'lib' key");
    check($e !== null && str_contains($e->getMessage(), "'lib' configuration key"), 'the message names the lib key');
} else {
    // The extension carries the library: the FFI driver's 'lib' key is not used.
    check(Builder::factory(['lib' => '/nonexistent/libwxpay.so'] + $base)->getDriver()->driver() === 'ext', "'lib' is unused by the extension");
}
// Either driver can be asked for by configuration.
$e = expect(Exception\ConfigException::class, fn () => Builder::factory(['driver' => 'cffi'] + $base), 'an unknown driver');
check($e !== null && str_contains($e->getMessage(), "'ext'"), 'the message lists the drivers');
if (extension_loaded('wxpay')) {
    check(Builder::factory(['driver' => 'ffi'] + $base)->getDriver()->driver() === 'ffi', "'driver' => 'ffi' beside the extension");
} else {
    $e = expect(Exception\ConfigException::class, fn () => Builder::factory(['driver' => 'ext'] + $base), 'the ext driver without the extension');
    check($e !== null && str_contains($e->getMessage(), 'extension=wxpay.so'), 'the message says how to load it');
}
check(Wxpay\Ffi::locate($lib) === realpath($lib), "the 'lib' key is used without WXPAY_LIB");
check(str_ends_with(Wxpay\Ffi::locate(), '/libwxpay.so'), 'without either, the workspace build output is found');
putenv("WXPAY_LIB=$lib");

// --- fork(): a child calls after the parent did ------------------------------------------------
if (function_exists('pcntl_fork')) {
    check($driver->closeTransaction('before-fork')->getStatusCode() === 204, 'parent calls before fork');
    $pid = pcntl_fork();
    if ($pid === 0) {
        $ok = $driver->closeTransaction('in-child')->getStatusCode() === 204
            && $instance->v3->transactions->id->_transaction_id_->close->postAsync([
                'base_uri' => 'https://api.mch.weixin.qq.com/hk/', 'transaction_id' => 'child-async', 'json' => ['mchid' => '1230000109'],
            ])->wait()->getStatusCode() === 204;
        exit($ok ? 0 : 1);
    }
    pcntl_waitpid($pid, $status);
    check(pcntl_wifexited($status) && pcntl_wexitstatus($status) === 0, 'the forked child made its calls');
    check($driver->closeTransaction('after-fork')->getStatusCode() === 204, 'the parent still works after the fork');
    $targets = array_column(sandbox('GET', 'requests'), 'target');
    check(in_array('/hk/v3/transactions/id/in-child/close', $targets, true), 'the child reached the sandbox');
} else {
    check(false, 'pcntl is needed for the fork test (php-cli has it on Debian)');
}

// --- Behind a proxy: the sandbox's CONNECT proxy (its start-up line sits next to the config).
$info = json_decode((string) file_get_contents(dirname((string) getenv('WXPAY_TEST_CONFIG')) . '/sandbox.json'), true, 512, JSON_THROW_ON_ERROR);
$proxyConfig = ['proxy' => $info['proxy'], 'user_agent' => 'php-proxy'] + sandbox_factory_config();
$proxyConfig['resolve'] = ['api.mch.weixin.qq.com' => '127.0.0.1:9']; // only the proxy can reach it
check((new Wxpay\Client($proxyConfig))->closeTransaction('php-via-proxy')->getStatusCode() === 204, 'a call through the proxy');
$secret = (string) parse_url($info['proxy'], PHP_URL_PASS);
try {
    (new Wxpay\Client(['proxy' => "http://u:$secret@127.0.0.1:9", 'user_agent' => 'php-dead-proxy'] + sandbox_factory_config()))->closeTransaction('php-dead');
    check(false, 'a dead proxy');
} catch (Exception\TransportException $e) {
    check(!$e->mayHaveBeenSent() && !str_contains($e->getMessage(), $secret), 'a dead proxy: TRANSPORT, not sent, no password');
}

// --- The process's client cache: its capacity checked, evicted clients still working.
foreach ([0, -3, 1_000_001] as $bad) {
    try {
        Wxpay\Builder::setClientCache($bad);
        check(false, "setClientCache($bad) is refused");
    } catch (Exception\InvalidArgumentException $e) {
        check(str_contains($e->getMessage(), 'out of range'), "setClientCache($bad): INVALID_ARGUMENT, out of range");
    }
}
Wxpay\Builder::setClientCache(2);
foreach ([0, 1, 2, 3] as $i) {
    $evicted = new Wxpay\Client(['user_agent' => "php-cache-$i"] + sandbox_factory_config());
    check($evicted->closeTransaction("php-cache-$i")->getStatusCode() === 204, "client $i of a cache of 2 makes its call");
}
Wxpay\Builder::setClientCache(64);

finish();
