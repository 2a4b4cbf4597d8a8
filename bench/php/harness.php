<?php
/*
 * The measuring loop the PHP bench clients share (bench/README.md, "client protocol"). A client
 * supplies a blocking call (`fn(): ResponseInterface`, made one after another: concurrency 1)
 * and/or an asynchronous one (`fn(): PromiseInterface`, BENCH_C of them kept in flight with
 * Guzzle's Each::ofLimit, the promise library's own idiom for bounded concurrency). The harness
 * warms up, measures BENCH_N calls, checks every answer is 204 and prints one JSON line. Needs
 * the Guzzle promise library (bindings-php/autoload.php or Guzzle's own autoloader loads it).
 * Not a test: bench/run.py drives the clients.
 */
declare(strict_types=1);

namespace WxpayBench;

use GuzzleHttp\Promise\Each;
use Psr\Http\Message\ResponseInterface;

function env_int(string $name, int $default): int
{
    $v = getenv($name);
    if ($v === false || $v === '') {
        return $default;
    }
    if (!ctype_digit($v)) {
        fail("{$name}={$v} is not a whole number");
    }
    return (int) $v;
}

function fail(string $message): never
{
    fwrite(STDERR, 'bench-php: ' . $message . "\n");
    exit(2);
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

/** @return array{float,float,int,int} user s, system s, peak RSS KiB, context switches */
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
        throw new \RuntimeException('close call answered ' . $r->getStatusCode() . ', not 204');
    }
}

/**
 * @param (callable(): ResponseInterface)|null $sync
 * @param (callable(): \GuzzleHttp\Promise\PromiseInterface)|null $async
 */
function drive(?callable $sync, ?callable $async, int $n, int $c, Run $run): void
{
    if ($sync !== null) {
        for ($i = 0; $i < $n; $i++) {
            $t0 = hrtime(true) / 1e3;
            check($sync());
            $run->finished($t0);
        }
        return;
    }
    $calls = (static function () use ($async, $n, $run) {
        for ($i = 0; $i < $n; $i++) {
            $t0 = hrtime(true) / 1e3;
            yield $async()->then(static function (ResponseInterface $r) use ($t0, $run) {
                check($r);
                $run->finished($t0);
            });
        }
    })();
    Each::ofLimit($calls, $c, null, static function ($reason) {
        throw $reason instanceof \Throwable ? $reason : new \RuntimeException((string) $reason);
    })->wait();
}

/**
 * Warm up, measure and report. Exactly one of `$sync` (concurrency 1 only) and `$async` is given,
 * chosen by the client from BENCH_MODE.
 *
 * @param (callable(): ResponseInterface)|null $sync
 * @param (callable(): \GuzzleHttp\Promise\PromiseInterface)|null $async
 */
function main(?callable $sync, ?callable $async): void
{
    if (($sync === null) === ($async === null)) {
        fail('a client gives either a blocking or an asynchronous call');
    }
    $n = env_int('BENCH_N', 1000);
    $c = max(1, env_int('BENCH_C', 1));
    if ($sync !== null && $c !== 1) {
        fail('BENCH_MODE=' . getenv('BENCH_MODE') . ' makes blocking calls, at concurrency 1 (PHP has no threads); use async');
    }
    $warmup = env_int('BENCH_WARMUP', 100);
    drive($sync, $async, $warmup, $c, new Run($warmup, 0, false));
    $run = new Run($n, env_int('BENCH_RSS_AT', 0), env_int('BENCH_LATENCIES', 1) !== 0);
    [$u0, $s0, , $x0] = cpu();
    $t0 = hrtime(true);
    drive($sync, $async, $n, $c, $run);
    $wall = (hrtime(true) - $t0) / 1e9;
    [$u1, $s1, $maxrss, $x1] = cpu();
    echo json_encode([
        'n' => $n, 'c' => $c, 'wall_s' => $wall,
        'cpu_user_s' => $u1 - $u0, 'cpu_sys_s' => $s1 - $s0, 'ctxsw' => $x1 - $x0,
        'maxrss_kb' => $maxrss, 'rss_at_kb' => $run->rssAtKb, 'rss_end_kb' => rss_now_kb(),
        'peak_after_kb' => $run->rssAt > 0 ? peak_rss_kb() : 0, 'rss_series_kb' => $run->series,
        'lat_us' => $run->lat,
    ], JSON_THROW_ON_ERROR), "\n";
}

/** @return array<string,mixed> the client configuration the sandbox wrote (BENCH_CONFIG) */
function config(): array
{
    $path = getenv('BENCH_CONFIG');
    if (!is_string($path) || !is_file($path)) {
        fail('set BENCH_CONFIG to a client configuration file');
    }
    return json_decode((string) file_get_contents($path), true, 512, JSON_THROW_ON_ERROR);
}
