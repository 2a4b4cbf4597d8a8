<?php
/*
 * Shared by the PHP test scripts: a tiny assertion counter, the sandbox's client configuration
 * (WXPAY_TEST_CONFIG, written by `wxpay-sandbox --client-config`) in the factory's keys, and the
 * closing "N passed, M failed" line.
 */
declare(strict_types=1);

require_once __DIR__ . '/../autoload.php';

$passed = 0;
$failed = 0;

function check(bool $ok, string $what): void
{
    global $passed, $failed;
    if ($ok) {
        $passed++;
    } else {
        $failed++;
        $where = debug_backtrace()[0]['line'] ?? '?';
        fwrite(STDERR, "FAIL line $where: $what\n");
    }
}

/** @return array<string, mixed> the core configuration JSON the sandbox wrote */
function sandbox_core_config(): array
{
    return json_decode((string) file_get_contents((string) getenv('WXPAY_TEST_CONFIG')), true, 512, JSON_THROW_ON_ERROR);
}

/** @return array<string, mixed> Builder::factory() keys reaching the sandbox */
function sandbox_factory_config(): array
{
    $core = sandbox_core_config();
    return [
        'mchid' => $core['mchid'], 'serial' => $core['serial'], 'privateKey' => $core['private_key'],
        'certs' => $core['certs'], 'ca_certs' => $core['ca_certs'], 'resolve' => $core['resolve'],
        'apiv3_key' => $core['apiv3_key'],
    ];
}

/** The client uses the driver the run asked for (WXPAY_DRIVER, set by tests/run.sh). */
function check_driver(Wxpay\Client $client): void
{
    $want = getenv('WXPAY_DRIVER') ?: (extension_loaded('wxpay') ? 'ext' : 'ffi');
    check($client->driver() === $want, "driver is {$client->driver()}, expected $want");
}

function finish(): never
{
    global $passed, $failed;
    echo "$passed passed, $failed failed\n";
    exit($failed === 0 ? 0 : 1);
}
