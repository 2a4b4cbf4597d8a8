<?php
/*
 * The shared fault matrix (tests/reliability/faults.json), run through the PHP package against
 * the sandbox (tests/run.sh passes WXPAY_TEST_CONFIG). Prints "N passed, M failed" last.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use Wxpay\Builder;
use Wxpay\Exception\WxpayException;

$spec = json_decode((string) file_get_contents(dirname(__DIR__, 2) . '/tests/reliability/faults.json'), true, 512, JSON_THROW_ON_ERROR);
$base = sandbox_factory_config();
$addr = $base['resolve']['api.mch.weixin.qq.com'];

$normal = Builder::factory(['retries' => 0] + $base)->getDriver();
check_driver($normal);
$control = static function (string $method, string $path, ?array $json = null) use ($normal): mixed {
    $options = ['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/'];
    if ($json !== null) {
        $options['json'] = $json;
    }
    return json_decode((string) $normal->request($method, $path, $options)->getBody(), true);
};

$ran = 0;
$runs = 0;
foreach ($spec['cases'] as $case) {
  // A case with `repeat` runs that many times (the hostile servers: 20 of 20 must end on time).
  for ($run = 1; $run <= ($case['repeat'] ?? 1); $run++) {
    $name = $case['name'];
    $expect = $case['expect'];
    $kind = $case['client'];
    $control('POST', 'reset');
    if ($case['fault'] !== null) {
        $control('POST', 'faults', $case['fault'] + ['path' => '/close']);
    }
    $config = ['timeout_ms' => $case['timeout_ms'] ?? $spec['timeout_ms'], 'retries' => $spec['retries']] + $base;
    $host = $case['host'] ?? null;
    if ($host !== null) {
        $config['resolve'][$host] = $addr;
    }
    if ($kind === 'dead_port') {
        $config['resolve']['api.mch.weixin.qq.com'] = '127.0.0.1:9';
    }
    if ($kind === 'no_ca') {
        unset($config['ca_certs']);
    }
    $client = Builder::factory($config)->getDriver();
    $options = $host !== null ? ['base_uri' => "https://$host/hk/"] : [];
    $started = microtime(true);
    $error = null;
    try {
        $client->closeTransaction("fault-$name", $options);
    } catch (WxpayException $e) {
        $error = $e;
    }
    $elapsed = (microtime(true) - $started) * 1000;
    check($elapsed <= $case['max_ms'], sprintf('%s (run %d): took %d ms', $name, $run, $elapsed));
    if ($expect['code'] === null) {
        check($error === null, "$name: succeeds (" . ($error?->getMessage() ?? '') . ')');
    } else {
        check($error !== null && $error->getErrorCode() === $expect['code'], "$name: code " . ($error ? $error->getErrorCode() . ' ' . $error->getMessage() : 'none'));
        if ($error !== null) {
            check($error->mayHaveBeenSent() === $expect['may_have_been_sent'], "$name: may_have_been_sent");
            check($error->getHttpStatus() === $expect['status'], "$name: status");
            check($error->getApiCode() === $expect['api_code'], "$name: api_code");
            check($error->getVerifyFailure() === $expect['verify_failure'], "$name: verify_failure");
        }
    }
    $attempts = array_filter($control('GET', 'requests'), static fn ($r) => str_contains($r['target'], "/fault-$name/"));
    check(count($attempts) === $expect['attempts'], "$name: attempts " . count($attempts));
    $control('DELETE', 'faults');
    try {
        $after = ($kind === 'normal' ? $client : $normal)->closeTransaction("after-$name")->getStatusCode();
    } catch (WxpayException $e) {
        $after = $e->getMessage();
    }
    check($after === 204, "$name: the next call answers 204: $after");
    $runs++;
  }
  $ran++;
}

check($ran === count($spec['cases']) && $ran > 0, "ran $ran of the matrix's " . count($spec['cases']) . " cases ($runs runs)");
finish();
