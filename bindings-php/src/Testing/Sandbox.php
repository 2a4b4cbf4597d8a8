<?php
declare(strict_types=1);

namespace Wxpay\Testing;

use Wxpay\Builder;
use Wxpay\Chainable;
use Wxpay\Client;

/**
 * Test a checkout without a merchant account: a local WeChat Pay (`wxpay sandbox`) that plays
 * the whole payment day — create, pay, notifications, query, close, refund — with test keys.
 *
 * ```php
 * final class CheckoutTest extends PHPUnit\Framework\TestCase
 * {
 *     private static Sandbox $sandbox;
 *     public static function setUpBeforeClass(): void { self::$sandbox = Sandbox::start(); }
 *     public static function tearDownAfterClass(): void { self::$sandbox->stop(); }
 *
 *     public function testPaid(): void
 *     {
 *         $client = self::$sandbox->client();
 *         $client->createNative(['out_trade_no' => 'T-1', 'description' => 'Tea', 'amount' => 100,
 *             'appid' => 'wxd678efh567hg6787', 'notify_url' => 'http://127.0.0.1:8080/notify']);
 *         self::$sandbox->pay('T-1');            // the payer pays; TRANSACTION.SUCCESS is sent
 *         $this->assertSame('SUCCESS', $client->queryOutTradeNo('T-1')['trade_state']);
 *     }
 * }
 * ```
 *
 * The sandbox is the `wxpay` command line: set WXPAY_CLI to its path, or have `wxpay` on PATH.
 * TEST ONLY: its keys are public test fixtures; notifications reach http://127.0.0.1 handlers
 * only.
 */
final class Sandbox
{
    /** @var resource|null */
    private $process;
    /** @var array<string, mixed> everything the sandbox printed at start */
    public readonly array $info;
    /** the sandbox's own address (`https://127.0.0.1:PORT/`) */
    public readonly string $url;
    /** a client configuration file for the test merchant (the core's JSON schema) */
    public readonly string $clientConfig;
    /** the CA that signed the sandbox's certificate (PEM file), or null over plain HTTP */
    public readonly ?string $caCert;
    /** the test merchant's mchid */
    public readonly string $mchid;
    private string $stderrFile;

    /**
     * @param resource $process
     * @param array<string, mixed> $info
     */
    private function __construct($process, array $info, string $stderrFile)
    {
        $this->process = $process;
        $this->info = $info;
        $this->url = (string) $info['url'];
        $this->clientConfig = (string) $info['client_config'];
        $this->caCert = isset($info['ca_cert']) ? (string) $info['ca_cert'] : null;
        $this->mchid = (string) $info['mchid'];
        $this->stderrFile = $stderrFile;
    }

    /**
     * Start `wxpay sandbox` on a free loopback port and wait until it serves.
     *
     * @param array{fast_notifications?: bool, refund_settle_ms?: int, strict?: bool, tls?: bool,
     *   state_dir?: string, state_file?: string, min_close_age_s?: int, cli?: string, timeout?: float} $options fast_notifications (default
     *   true: redeliveries milliseconds apart), refund_settle_ms (how long a refund stays
     *   PROCESSING), strict (default true: unknown orders are ORDER_NOT_EXIST), tls (default
     *   true), state_dir (keep the CA, keys and client.json there), state_file (keep orders and
     *   refunds in this JSON file, so they survive a restart), min_close_age_s (300: HK and Global
     *   refuse to close an order younger than that, as WeChat Pay does), cli (the `wxpay` path),
     *   timeout (seconds to wait, default 30)
     */
    public static function start(array $options = []): self
    {
        $cli = self::findCli($options['cli'] ?? null);
        $args = [$cli, 'sandbox'];
        if ($options['fast_notifications'] ?? true) {
            $args[] = '--fast-notifications';
        }
        if (isset($options['refund_settle_ms'])) {
            array_push($args, '--refund-settle-ms', (string) (int) $options['refund_settle_ms']);
        }
        if (($options['strict'] ?? true) === false) {
            $args[] = '--lenient';
        }
        if (($options['tls'] ?? true) === false) {
            $args[] = '--plain';
        }
        if (isset($options['state_dir'])) {
            array_push($args, '--state-dir', (string) $options['state_dir']);
        }
        if (isset($options['min_close_age_s'])) {
            array_push($args, '--min-close-age-s', (string) (int) $options['min_close_age_s']);
        }
        if (isset($options['state_file'])) {
            array_push($args, '--state-file', (string) $options['state_file']);
        }
        // The guide on stderr is for people: into a file (read back if the start fails), so the
        // sandbox never blocks on a pipe nobody reads.
        $stderrFile = (string) tempnam(sys_get_temp_dir(), 'wxpay-sandbox-');
        $pipes = [];
        $process = @proc_open($args, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $stderrFile, 'w']], $pipes);
        if (!is_resource($process)) {
            @unlink($stderrFile);
            throw new SandboxException("cannot run $cli: " . (error_get_last()['message'] ?? 'proc_open failed'));
        }
        $timeout = (float) ($options['timeout'] ?? 30.0);
        $deadline = microtime(true) + $timeout;
        $line = '';
        $out = $pipes[1];
        stream_set_blocking($out, false);
        while (!str_contains($line, "\n")) {
            $left = $deadline - microtime(true);
            $read = [$out];
            $none = null;
            if ($left <= 0 || @stream_select($read, $none, $none, (int) $left, (int) (fmod($left, 1.0) * 1e6)) === false) {
                break;
            }
            $chunk = fread($out, 65536);
            if ($chunk === '' || $chunk === false) {
                if (feof($out)) {
                    break;
                }
                continue;
            }
            $line .= $chunk;
        }
        $info = str_contains($line, "\n") ? json_decode(strstr($line, "\n", true), true) : null;
        if (!is_array($info)) {
            proc_terminate($process, 9);
            proc_close($process);
            $err = trim((string) @file_get_contents($stderrFile));
            @unlink($stderrFile);
            throw new SandboxException('`' . implode(' ', $args) . "` did not start within {$timeout} s" . ($err !== '' ? ": $err" : ''));
        }
        fclose($out);
        return new self($process, $info, $stderrFile);
    }

    private static function findCli(?string $explicit): string
    {
        $given = $explicit ?? (getenv('WXPAY_CLI') ?: null);
        if ($given !== null) {
            if (!is_file($given) || !is_executable($given)) {
                throw new SandboxException("WXPAY_CLI / cli names $given, which is not an executable file: give the path of the wxpay command");
            }
            return $given;
        }
        foreach (explode(PATH_SEPARATOR, (string) getenv('PATH')) as $dir) {
            if ($dir !== '' && is_file("$dir/wxpay") && is_executable("$dir/wxpay")) {
                return "$dir/wxpay";
            }
        }
        throw new SandboxException(
            'the `wxpay` command (which runs the sandbox) was not found: install the wxpay CLI (the wxpay-cli tarball, '
            . '`pip install wxpay-cli` or `npm install -g @wxpay/cli`) and put it on PATH, '
            . 'or set WXPAY_CLI=/path/to/wxpay (in a source checkout: `cargo build -p wxpay-cli`, then WXPAY_CLI=target/debug/wxpay)'
        );
    }

    /**
     * The test merchant's configuration (the core's keys; `Wxpay\Client` and `Builder::factory`
     * take them), with `$overrides` (e.g. `['driver' => 'ext', 'retries' => 0]`).
     *
     * @param array<string, mixed> $overrides
     * @return array<string, mixed>
     */
    public function config(array $overrides = []): array
    {
        $config = json_decode((string) file_get_contents($this->clientConfig), true, 512, JSON_THROW_ON_ERROR);
        return array_replace($config, $overrides);
    }

    /** @param array<string, mixed> $overrides */
    public function client(array $overrides = []): Client
    {
        return new Client($this->config($overrides));
    }

    /**
     * The PHP SDK's chainable instance (`Builder::factory`) for the test merchant.
     *
     * @param array<string, mixed> $overrides
     */
    public function factory(array $overrides = []): Chainable
    {
        return Builder::factory($this->config($overrides));
    }

    /**
     * The payer pays the order (its out_trade_no, or `['prepay_id' => …]`, with `mchid` and
     * `fail` for a code-pay order waiting in USERPAYING): it becomes SUCCESS with a
     * transaction_id and a signed TRANSACTION.SUCCESS goes to its notify_url. Returns the order;
     * throws SandboxException for a closed, reversed, paid or unknown order.
     *
     * @param string|array{out_trade_no?: string, prepay_id?: string, mchid?: string, fail?: bool} $order
     * @return array<string, mixed>
     */
    public function pay(string|array $order): array
    {
        $body = is_string($order) ? ['out_trade_no' => $order] : $order;
        if (isset($body['out_trade_no']) === isset($body['prepay_id'])) {
            throw new SandboxException("pay() takes an out_trade_no or ['prepay_id' => …] (one of them)");
        }
        return (array) $this->control('POST', 'pay', $body);
    }

    /**
     * Each notification sent in the background so far: `{id, event, about, url, delivered, deliveries}`.
     *
     * @return list<array<string, mixed>>
     */
    public function deliveries(): array
    {
        return (array) $this->control('GET', 'deliveries');
    }

    /**
     * Every API request the sandbox received (method, target, headers, body, status).
     *
     * @return list<array<string, mixed>>
     */
    public function requests(): array
    {
        return (array) $this->control('GET', 'requests');
    }

    /** Forget every order, refund, fault and logged request. */
    public function reset(): void
    {
        $this->control('POST', 'reset', []);
    }

    /** @param array<string, mixed>|null $body */
    private function control(string $method, string $path, ?array $body = null): mixed
    {
        if ($this->process === null) {
            throw new SandboxException('the sandbox was stopped');
        }
        // `localhost`: the sandbox's certificate covers it.
        $url = str_replace('//127.0.0.1:', '//localhost:', (string) $this->info['control']) . $path;
        $http = ['method' => $method, 'ignore_errors' => true, 'timeout' => 30, 'header' => "Content-Type: application/json\r\n"];
        if ($body !== null) {
            $http['content'] = json_encode((object) $body, JSON_THROW_ON_ERROR);
        }
        $ssl = $this->caCert !== null ? ['cafile' => $this->caCert, 'verify_peer' => true, 'verify_peer_name' => true] : [];
        $text = @file_get_contents($url, false, stream_context_create(['http' => $http, 'ssl' => $ssl]));
        $headers = function_exists('http_get_last_response_headers') ? (http_get_last_response_headers() ?? []) : ($http_response_header ?? []);
        if ($text === false || $headers === []) {
            throw new SandboxException("sandbox $method /_sandbox/$path: " . (error_get_last()['message'] ?? 'no answer'));
        }
        $status = preg_match('{^HTTP/\S+ (\d{3})}', (string) $headers[0], $m) ? (int) $m[1] : 0;
        $parsed = $text === '' ? null : json_decode($text, true);
        if ($status < 200 || $status >= 300) {
            $said = is_array($parsed) && isset($parsed['message']) ? (string) $parsed['message'] : $text;
            throw new SandboxException("sandbox $method /_sandbox/$path: $said (HTTP $status)", $status, $parsed);
        }
        return $parsed;
    }

    /** Stop the sandbox (its temporary folder goes with it). Safe to call twice. */
    public function stop(): void
    {
        if ($this->process !== null) {
            proc_terminate($this->process, 15);
            $until = microtime(true) + 10;
            while (proc_get_status($this->process)['running'] && microtime(true) < $until) {
                usleep(10000);
            }
            if (proc_get_status($this->process)['running']) {
                proc_terminate($this->process, 9);
            }
            proc_close($this->process);
            $this->process = null;
            @unlink($this->stderrFile);
        }
    }

    public function __destruct()
    {
        $this->stop();
    }
}
