<?php
/*
 * Events through the configuration's `logger` (PSR-3) and `on_event` hook: a retried call logs
 * each attempt with the sandbox's Request-IDs, sync and async; nothing secret reaches a log line.
 * Run on both drivers by tests/run.sh.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use Psr\Log\AbstractLogger;
use Wxpay\Builder;
use Wxpay\Client;
use Wxpay\Exception\ConfigException;
use Wxpay\Exception\VerifyException;

/** A PSR-3 logger that keeps what it was given. */
final class MemoryLogger extends AbstractLogger
{
    /** @var list<array{0: string, 1: string, 2: array<string, mixed>}> */
    public array $lines = [];

    public function log($level, $message, array $context = []): void
    {
        $this->lines[] = [(string) $level, (string) $message, $context];
    }

    /** @return list<array{0: string, 1: string, 2: array<string, mixed>}> */
    public function about(string $part): array
    {
        return array_values(array_filter($this->lines, static fn (array $l): bool => str_contains($l[2]['path'] ?? '', $part)));
    }
}

$core = sandbox_core_config();
// Each run (one per driver, one sandbox) uses order ids of its own.
$run = bin2hex(random_bytes(4));
$admin = new Client(sandbox_factory_config());

function sandbox_request_ids(Client $admin, string $part): array
{
    $log = json_decode((string) $admin->request('GET', 'requests?summary', ['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/'])->getBody(), true);
    return array_values(array_map(static fn (array $r): string => $r['request_id'], array_filter($log, static fn (array $r): bool => str_contains($r['target'], $part))));
}

function fault(Client $admin, array $spec): void
{
    $admin->request('POST', 'faults', ['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/', 'json' => $spec]);
}

function check_retry_lines(Client $admin, MemoryLogger $logger, string $part): void
{
    $lines = $logger->about($part);
    check(count($lines) === 5, "5 log lines for $part, got " . count($lines));
    if (count($lines) !== 5) {
        return;
    }
    $ids = sandbox_request_ids($admin, $part);
    check(array_map(static fn (array $l): string => $l[0], $lines) === ['debug', 'warning', 'debug', 'debug', 'debug'], 'levels: debug, warning on the retry, debug');
    check(array_map(static fn (array $l): string => $l[2]['kind'] . $l[2]['attempt'], $lines) === ['request1', 'response1', 'request2', 'response2', 'call2'], 'the sequence of a retried call');
    [, $message, $first] = $lines[1];
    check($first['status'] === 503 && $first['outcome'] === 'API' && $first['api_code'] === 'SERVICE_UNAVAILABLE', 'the retried attempt: 503 SERVICE_UNAVAILABLE');
    check($first['will_retry'] === true && $first['retry_in_ms'] > 0, 'the retried attempt says it is retried');
    check(str_contains($message, 'attempt 1: 503 API SERVICE_UNAVAILABLE') && str_contains($message, 'retrying in'), "the message: $message");
    check(count($ids) === 2 && $first['request_id'] === $ids[0] && $lines[3][2]['request_id'] === $ids[1], 'the Request-IDs are the sandbox\'s');
    $call = $lines[4][2];
    check($call['status'] === 204 && $call['outcome'] === 'OK' && $call['request_id'] === ($ids[1] ?? null), 'the call ended 204 with the last Request-ID');
    check(count(array_unique(array_map(static fn (array $l): int => $l[2]['call'], $lines))) === 1, 'one call number');
}

// A blocking call through the factory (chain style), then an async one (->then()->wait()).
$logger = new MemoryLogger();
$events = [];
$config = sandbox_factory_config() + ['retries' => 2, 'logger' => $logger, 'on_event' => static function (array $e) use (&$events): void {
    $events[] = $e;
}];
$instance = Builder::factory($config);
fault($admin, ['fault' => 'status', 'status' => 503, 'path' => "php-events-sync-$run"]);
$r = $instance->v3->transactions->id->_transaction_id_->close->post(['transaction_id' => "php-events-sync-$run", 'json' => ['mchid' => $core['mchid']]]);
check($r->getStatusCode() === 204, 'the retried close succeeds');
check_retry_lines($admin, $logger, "php-events-sync-$run");
check(count(array_filter($events, static fn (array $e): bool => str_contains($e['path'], "php-events-sync-$run"))) === 5, 'on_event got the same 5 events');

$client = new Client($config);
check_driver($client);
fault($admin, ['fault' => 'status', 'status' => 503, 'path' => "php-events-async-$run"]);
$status = $client->closeTransactionAsync("php-events-async-$run")->then(static fn ($r) => $r->getStatusCode())->wait();
check($status === 204, 'the retried async close succeeds');
check_retry_lines($admin, $logger, "php-events-async-$run");

// A failed call: its events are logged before the exception reaches the caller.
fault($admin, ['fault' => 'bad_signature', 'path' => "php-events-forged-$run"]);
try {
    $client->closeTransaction("php-events-forged-$run");
    check(false, 'a forged signature throws');
} catch (VerifyException $e) {
    $lines = $logger->about("php-events-forged-$run");
    $call = end($lines)[2] ?? [];
    check(($call['kind'] ?? '') === 'call' && $call['outcome'] === 'VERIFY' && $call['status'] === 204, 'the call ended VERIFY');
    check(($call['request_id'] ?? null) === $e->getRequestId(), 'with the answer\'s Request-ID');
}

// A logger that throws is a warning; the call's outcome stands.
$broken = new class extends AbstractLogger {
    public function log($level, $message, array $context = []): void
    {
        throw new RuntimeException('logger down');
    }
};
$warnings = [];
set_error_handler(static function (int $no, string $msg) use (&$warnings): bool {
    $warnings[] = $msg;
    return true;
}, E_USER_WARNING);
$r = (new Client(sandbox_factory_config() + ['logger' => $broken]))->closeTransaction("php-ev-broken-$run");
restore_error_handler();
check($r->getStatusCode() === 204, 'a broken logger does not fail the call');
check(count($warnings) > 0 && str_contains($warnings[0], 'logger down'), 'it is reported as a warning');

// Configuration mistakes.
foreach ([['logger' => 'stderr'], ['on_event' => 42]] as $bad) {
    try {
        new Client(sandbox_factory_config() + $bad);
        check(false, 'refused: ' . json_encode($bad));
    } catch (ConfigException $e) {
        check(str_contains($e->getMessage(), (string) array_key_first($bad)), 'the message names the key: ' . $e->getMessage());
    }
}

// No line, context or event holds a secret: key, APIv3 key, proxy password, body, signature.
$info = json_decode((string) file_get_contents(dirname((string) getenv('WXPAY_TEST_CONFIG')) . '/sandbox.json'), true, 512, JSON_THROW_ON_ERROR);
$secretLogger = new MemoryLogger();
$extra = ['retries' => 1, 'logger' => $secretLogger, 'proxy' => $info['proxy']];
$secretClient = new Client(sandbox_factory_config() + $extra);
fault($admin, ['fault' => 'status', 'status' => 500, 'path' => "php-events-secret-$run"]);
$secretClient->request('POST', 'v3/transactions/id/{id}/close', ['id' => "php-events-secret-$run", 'json' => ['mchid' => $core['mchid'], 'note' => 'BODY-MARKER-42']]);
$text = json_encode($secretLogger->lines, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
check(str_contains($text, "php-events-secret-$run"), 'the lines are about the call');
$keyLine = explode("\n", (string) file_get_contents(__DIR__ . '/../../tests/fixtures/merchant_key.pem'))[1];
$apiv3 = str_starts_with($core['apiv3_key'], 'file://') ? trim((string) file_get_contents(substr($core['apiv3_key'], 7))) : $core['apiv3_key'];
$secrets = [$keyLine, $apiv3, 'BODY-MARKER-42', 'WECHATPAY2', $core['mchid'], (string) parse_url($info['proxy'], PHP_URL_PASS)];
foreach ($secrets as $secret) {
    check($secret !== '' && !str_contains($text, $secret), 'no secret in the log: ' . substr($secret, 0, 12));
}

finish();
