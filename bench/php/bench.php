<?php
/*
 * Benchmark client for the wxpay PHP binding (FFI): BENCH_N close calls, the seed's index-style
 * call. BENCH_MODE=sync makes blocking ->post() calls one after another (concurrency 1);
 * BENCH_MODE=async keeps BENCH_C ->postAsync() calls in flight with Guzzle's Each::ofLimit (the
 * promise library's own idiom for bounded concurrency). Prints one JSON line in the format every
 * bench client shares (bench/README.md). Not a test: bench/run.py drives it.
 */
declare(strict_types=1);

require __DIR__ . '/../../bindings-php/autoload.php';

use GuzzleHttp\Promise\Each;
use Psr\Http\Message\ResponseInterface;

const TEMPLATE = 'v3/transactions/id/{transaction_id}/close';
const OPTIONS = [
    'base_uri' => 'https://api.mch.weixin.qq.com/hk/',
    'transaction_id' => '1217752501201407033233368018',
    'json' => ['mchid' => '1230000109', 'sub_mchid' => '1230000109', 'sp_mchid' => '1230000109'],
];

function env_int(string $name, int $default): int
{
    $v = getenv($name);
    if ($v === false || $v === '') {
        return $default;
    }
    if (!ctype_digit($v)) {
        fwrite(STDERR, "bench-php: {$name}={$v} is not a whole number\n");
        exit(2);
    }
    return (int) $v;
}

function rss_now_kb(): int
{
    $statm = explode(' ', (string) file_get_contents('/proc/self/statm'));
    return intdiv((int) ($statm[1] ?? 0) * 4096, 1024);
}

/** Reset the peak-RSS counter (Linux), so that VmHWM read at the end covers only what follows. */
function reset_peak_rss(): void
{
    @file_put_contents('/proc/self/clear_refs', '5');
}

function peak_rss_kb(): int
{
    $status = (string) file_get_contents('/proc/self/status');
    return preg_match('/^VmHWM:\s+(\d+)/m', $status, $m) ? (int) $m[1] : 0;
}

function cpu(): array
{
    $u = getrusage();
    return [
        $u['ru_utime.tv_sec'] + $u['ru_utime.tv_usec'] / 1e6,
        $u['ru_stime.tv_sec'] + $u['ru_stime.tv_usec'] / 1e6,
        (int) $u['ru_maxrss'],
        (int) $u['ru_nvcsw'] + (int) $u['ru_nivcsw'],
    ];
}

final class Run
{
    /** @var list<int> */
    public array $lat = [];
    public int $done = 0;
    public int $rssAtKb = 0;
    /** @var list<array{int,int}> */
    public array $series = [];

    public function __construct(public int $n, public int $rssAt, public bool $record)
    {
    }

    public function finished(float $t0): void
    {
        if ($this->record) {
            $this->lat[] = (int) ((hrtime(true) / 1e3) - $t0);
        }
        $done = ++$this->done;
        if ($done === $this->rssAt) {
            reset_peak_rss();
            $this->rssAtKb = rss_now_kb();
        }
        if ($this->rssAt > 0 && ($done === $this->rssAt || $done % max(1, intdiv($this->n, 10)) === 0)) {
            $this->series[] = [$done, rss_now_kb()];
        }
    }
}

function check(ResponseInterface $r): void
{
    if ($r->getStatusCode() !== 204) {
        throw new RuntimeException('close call answered ' . $r->getStatusCode() . ', not 204');
    }
}

function run(\Wxpay\Chainable $instance, string $mode, int $n, int $c, Run $run): void
{
    $endpoint = $instance[TEMPLATE];
    if ($mode === 'sync') {
        for ($i = 0; $i < $n; $i++) {
            $t0 = hrtime(true) / 1e3;
            check($endpoint->post(OPTIONS));
            $run->finished($t0);
        }
        return;
    }
    $calls = (static function () use ($endpoint, $n, $run) {
        for ($i = 0; $i < $n; $i++) {
            $t0 = hrtime(true) / 1e3;
            yield $endpoint->postAsync(OPTIONS)->then(static function (ResponseInterface $r) use ($t0, $run) {
                check($r);
                $run->finished($t0);
            });
        }
    })();
    Each::ofLimit($calls, $c, null, static function ($reason) {
        throw $reason instanceof Throwable ? $reason : new RuntimeException((string) $reason);
    })->wait();
}

$config = getenv('BENCH_CONFIG');
if (!is_string($config) || !is_file($config)) {
    fwrite(STDERR, "bench-php: set BENCH_CONFIG to a client configuration file\n");
    exit(2);
}
$mode = getenv('BENCH_MODE') ?: 'sync';
$n = env_int('BENCH_N', 1000);
$c = max(1, env_int('BENCH_C', 1));
if ($mode !== 'sync' && $mode !== 'async') {
    fwrite(STDERR, "bench-php: BENCH_MODE must be sync or async\n");
    exit(2);
}
if ($mode === 'sync' && $c !== 1) {
    fwrite(STDERR, "bench-php: BENCH_MODE=sync runs at concurrency 1 (PHP has no threads); use async\n");
    exit(2);
}
$cfg = json_decode((string) file_get_contents($config), true, 512, JSON_THROW_ON_ERROR);
$instance = Wxpay\Builder::factory([
    'mchid' => $cfg['mchid'],
    'serial' => $cfg['serial'],
    'privateKey' => $cfg['private_key'],
    'certs' => $cfg['certs'],
    'ca_certs' => $cfg['ca_certs'] ?? [],
    'resolve' => $cfg['resolve'] ?? [],
]);

$warmup = env_int('BENCH_WARMUP', 100);
run($instance, $mode, $warmup, $c, new Run($warmup, 0, false));
$run = new Run($n, env_int('BENCH_RSS_AT', 0), env_int('BENCH_LATENCIES', 1) !== 0);
[$u0, $s0, , $x0] = cpu();
$t0 = hrtime(true);
run($instance, $mode, $n, $c, $run);
$wall = (hrtime(true) - $t0) / 1e9;
[$u1, $s1, $maxrss, $x1] = cpu();
echo json_encode([
    'n' => $n, 'c' => $c, 'wall_s' => $wall,
    'cpu_user_s' => $u1 - $u0, 'cpu_sys_s' => $s1 - $s0, 'ctxsw' => $x1 - $x0,
    'maxrss_kb' => $maxrss, 'rss_at_kb' => $run->rssAtKb, 'rss_end_kb' => rss_now_kb(),
    'peak_after_kb' => $run->rssAt > 0 ? peak_rss_kb() : 0, 'rss_series_kb' => $run->series,
    'lat_us' => $run->lat,
], JSON_THROW_ON_ERROR), "\n";
