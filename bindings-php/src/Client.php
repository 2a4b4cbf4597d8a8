<?php
declare(strict_types=1);

namespace Wxpay;

use FFI as PhpFfi;
use FFI\CData;
use GuzzleHttp\Promise\Promise;
use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Response;
use Psr\Http\Message\ResponseInterface;
use Wxpay\Exception\ConfigException;
use Wxpay\Exception\InvalidArgumentException;
use Wxpay\Exception\WxpayException;

/**
 * One wxpay client (one native wxpay_client_t, one connection pool). Thread-safe natively;
 * share it across requests. `Builder::factory()` wraps it in the chainable API; it can also be
 * used directly: request(), requestAsync(), closeTransaction(), sign(), verify(), prepare().
 */
final class Client
{
    private PhpFfi $ffi;
    private CData $handle;

    /**
     * @param array<string, mixed> $config the PHP SDK's keys: mchid, serial, privateKey, certs;
     *   and base_uri, ca_certs, resolve, timeout / connect_timeout (seconds, as Guzzle) or
     *   timeout_ms / connect_timeout_ms, retries, user_agent, insecure_http, lib.
     */
    public function __construct(array $config)
    {
        $lib = $config['lib'] ?? null;
        if ($lib !== null && !is_string($lib)) {
            throw new ConfigException("config key 'lib' must be the path of libwxpay.so");
        }
        $this->ffi = Ffi::load($lib);
        $json = self::encode(self::coreConfig($config), 'configuration');
        $out = $this->ffi->new('wxpay_client_t*');
        $err = $this->ffi->new('wxpay_error_t*');
        if ($this->ffi->wxpay_client_new($json, PhpFfi::addr($out), PhpFfi::addr($err)) !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
        $this->handle = $out;
    }

    public function __destruct()
    {
        if (isset($this->handle)) {
            $this->ffi->wxpay_client_free($this->handle);
        }
    }

    /**
     * Map the PHP SDK's configuration to the core's schema.
     *
     * @param array<string, mixed> $config
     * @return array<string, mixed>
     */
    private static function coreConfig(array $config): array
    {
        $names = [
            'mchid' => 'mchid', 'serial' => 'serial', 'privateKey' => 'private_key', 'private_key' => 'private_key',
            'certs' => 'certs', 'base_uri' => 'base_uri', 'ca_certs' => 'ca_certs', 'resolve' => 'resolve',
            'timeout_ms' => 'timeout_ms', 'connect_timeout_ms' => 'connect_timeout_ms', 'retries' => 'retries',
            'user_agent' => 'user_agent', 'insecure_http' => 'insecure_http',
        ];
        $core = [];
        foreach ($config as $key => $value) {
            if ($key === 'lib') {
                continue;
            }
            if ($key === 'timeout' || $key === 'connect_timeout') {
                if (!is_int($value) && !is_float($value)) {
                    throw new ConfigException("config key '$key' must be a number of seconds (as in Guzzle), e.g. 10");
                }
                $core[$key . '_ms'] = (int) round($value * 1000);
                continue;
            }
            if (!isset($names[$key])) {
                // Passed through: the core names the unknown field and suggests the right one.
                $core[$key] = $value;
                continue;
            }
            if ($key === 'privateKey' || $key === 'private_key') {
                $value = self::pem($value, $key);
            } elseif ($key === 'certs' && is_array($value)) {
                $value = array_map(static fn ($cert) => self::pem($cert, 'certs'), $value);
                $value = (object) $value; // an empty PHP array must still be a JSON object
            } elseif (($key === 'resolve') && is_array($value)) {
                $value = (object) $value;
            }
            $core[$names[$key]] = $value;
        }
        if (isset($core['mchid']) && is_int($core['mchid'])) {
            $core['mchid'] = (string) $core['mchid'];
        }
        return $core;
    }

    /** Key material as the PHP SDK accepts it: PEM text, a file:// path, or an OpenSSL object. */
    private static function pem(mixed $value, string $key): mixed
    {
        if ($value instanceof \OpenSSLAsymmetricKey) {
            if (!openssl_pkey_export($value, $pem)) {
                throw new ConfigException("config key '$key': cannot export the OpenSSL key (is it encrypted?)");
            }
            return $pem;
        }
        if ($value instanceof \OpenSSLCertificate) {
            openssl_x509_export($value, $pem);
            return $pem;
        }
        return $value;
    }

    private static function encode(mixed $value, string $what): string
    {
        try {
            return json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            $class = $what === 'configuration' ? ConfigException::class : InvalidArgumentException::class;
            throw new $class(sprintf('the %s cannot be encoded as JSON: %s', $what, $e->getMessage()), ['code' => $class::CODE, 'may_have_been_sent' => false]);
        }
    }

    /** @param array<string, mixed> $options */
    private static function options(array $options): string
    {
        foreach (['query', 'headers'] as $key) {
            if (isset($options[$key]) && is_array($options[$key])) {
                $options[$key] = (object) $options[$key];
            }
        }
        return $options === [] ? '{}' : self::encode($options, 'options');
    }

    /**
     * Make a request and wait for its verified answer.
     *
     * @param array<string, mixed> $options the PHP SDK's options: base_uri, placeholder values
     *   (e.g. transaction_id), json, body, query, headers
     */
    public function request(string $method, string $uriTemplate, array $options = []): ResponseInterface
    {
        $json = self::options($options);
        return $this->callSync(fn (CData $out, CData $err): int => $this->ffi->wxpay_request($this->handle, self::text($method, 'method'), self::text($uriTemplate, 'uri_template'), $json, $out, $err));
    }

    /**
     * Start a request and return a promise for its answer. The call runs in the background at
     * once; `wait()` blocks on it (no callback ever comes from a native thread).
     *
     * @param array<string, mixed> $options as request()
     */
    public function requestAsync(string $method, string $uriTemplate, array $options = []): PromiseInterface
    {
        try {
            $json = self::options($options);
        } catch (WxpayException $e) {
            return \GuzzleHttp\Promise\Create::rejectionFor($e);
        }
        return $this->callAsync(fn (CData $out, CData $err): int => $this->ffi->wxpay_request_start($this->handle, self::text($method, 'method'), self::text($uriTemplate, 'uri_template'), $json, $out, $err));
    }

    /**
     * Close an order by WeChat Pay transaction id (HK endpoint by default). Succeeds on 204 only.
     *
     * @param array<string, mixed> $options mchid, sub_mchid, sp_mchid, base_uri, endpoint ('hk'|'global')
     */
    public function closeTransaction(string $transactionId, array $options = []): ResponseInterface
    {
        $json = self::options($options);
        return $this->callSync(fn (CData $out, CData $err): int => $this->ffi->wxpay_close_transaction($this->handle, self::text($transactionId, 'transaction_id'), $json, $out, $err));
    }

    /**
     * @param array<string, mixed> $options as closeTransaction()
     */
    public function closeTransactionAsync(string $transactionId, array $options = []): PromiseInterface
    {
        $json = self::options($options);
        return $this->callAsync(fn (CData $out, CData $err): int => $this->ffi->wxpay_close_transaction_start($this->handle, self::text($transactionId, 'transaction_id'), $json, $out, $err));
    }

    /**
     * Close an order by the merchant's out_trade_no.
     *
     * @param array<string, mixed> $options as closeTransaction()
     */
    public function closeOutTradeNo(string $outTradeNo, array $options = []): ResponseInterface
    {
        $json = self::options($options);
        return $this->callSync(fn (CData $out, CData $err): int => $this->ffi->wxpay_close_out_trade_no($this->handle, self::text($outTradeNo, 'out_trade_no'), $json, $out, $err));
    }

    /**
     * Signing utility: the Authorization value for $method on the absolute $url with $body.
     * $timestamp (Unix seconds) and $nonce default to now and a random nonce.
     */
    public function sign(string $method, string $url, string $body = '', ?int $timestamp = null, ?string $nonce = null): string
    {
        $out = $this->ffi->new('char*');
        $err = $this->ffi->new('wxpay_error_t*');
        $status = $this->ffi->wxpay_sign($this->handle, self::text($method, 'method'), self::text($url, 'url'), $this->bytes($body), strlen($body), $timestamp ?? 0, self::text($nonce, 'nonce'), PhpFfi::addr($out), PhpFfi::addr($err));
        if ($status !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
        return Ffi::takeString($this->ffi, $out);
    }

    /**
     * Verification utility: check a WeChat Pay signature (an answer's or a callback's). Header
     * values may be null when absent. Throws VerifyException when it does not hold.
     */
    public function verify(?string $timestamp, ?string $nonce, ?string $signature, ?string $serial, string $body, ?int $now = null): void
    {
        $err = $this->ffi->new('wxpay_error_t*');
        $status = $this->ffi->wxpay_verify($this->handle, self::text($timestamp, 'timestamp'), self::text($nonce, 'nonce'), self::text($signature, 'signature'), self::text($serial, 'serial'), $this->bytes($body), strlen($body), $now ?? 0, PhpFfi::addr($err));
        if ($status !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
    }

    /**
     * Dry run: the exact request request() would send, signed at $timestamp with $nonce.
     *
     * @param array<string, mixed> $options
     * @return array<string, mixed> method, url, canonical_url, headers, body, timestamp, nonce, authorization
     */
    public function prepare(string $method, string $uriTemplate, array $options = [], ?int $timestamp = null, ?string $nonce = null): array
    {
        $out = $this->ffi->new('char*');
        $err = $this->ffi->new('wxpay_error_t*');
        $status = $this->ffi->wxpay_prepare($this->handle, self::text($method, 'method'), self::text($uriTemplate, 'uri_template'), self::options($options), $timestamp ?? 0, self::text($nonce, 'nonce'), PhpFfi::addr($out), PhpFfi::addr($err));
        if ($status !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
        return json_decode(Ffi::takeString($this->ffi, $out), true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * The PHP SDK's chain normalisation, done by the core.
     *
     * @param list<string> $segments
     */
    public function chainTemplate(array $segments): string
    {
        $out = $this->ffi->new('char*');
        $err = $this->ffi->new('wxpay_error_t*');
        if ($this->ffi->wxpay_chain_template(self::encode(array_values($segments), 'segments'), PhpFfi::addr($out), PhpFfi::addr($err)) !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
        return Ffi::takeString($this->ffi, $out);
    }

    /**
     * A PHP string as a `const char *` argument. C strings end at the first NUL byte, so a PHP
     * string holding one would silently lose its tail ("4200000001\0junk" would close order
     * 4200000001): refuse it, naming the argument. (JSON arguments are safe: json_encode
     * escapes NUL as \u0000.)
     */
    private static function text(?string $value, string $name): ?string
    {
        if ($value !== null && str_contains($value, "\0")) {
            throw new InvalidArgumentException(
                sprintf('argument `%s` contains a NUL byte (at offset %d); wxpay arguments are text without NUL bytes', $name, strpos($value, "\0")),
                ['code' => InvalidArgumentException::CODE, 'may_have_been_sent' => false]
            );
        }
        return $value;
    }

    /** A PHP string as a `const uint8_t *` argument (NULL when empty). */
    private function bytes(string $s): ?CData
    {
        if ($s === '') {
            return null;
        }
        $buf = $this->ffi->new('uint8_t[' . strlen($s) . ']');
        PhpFfi::memcpy($buf, $s, strlen($s));
        return $buf;
    }

    /** The native library's version. */
    public function version(): string
    {
        return (string) $this->ffi->wxpay_version();
    }

    /**
     * A blocking native call: `$call(&out, &err)` returns the status; the response, or throws.
     *
     * @param callable(CData, CData): int $call
     */
    private function callSync(callable $call): ResponseInterface
    {
        $out = $this->ffi->new('wxpay_response_t*');
        $err = $this->ffi->new('wxpay_error_t*');
        if ($call(PhpFfi::addr($out), PhpFfi::addr($err)) !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
        return $this->response($out);
    }

    /**
     * A native `_start` call: `$start(&out, &err)` returns the status; a promise of the response.
     *
     * @param callable(CData, CData): int $start
     */
    private function callAsync(callable $start): PromiseInterface
    {
        $out = $this->ffi->new('wxpay_future_t*');
        $err = $this->ffi->new('wxpay_error_t*');
        try {
            $status = $start(PhpFfi::addr($out), PhpFfi::addr($err));
        } catch (WxpayException $e) {
            return \GuzzleHttp\Promise\Create::rejectionFor($e); // an argument refused in PHP
        }
        if ($status !== 0) {
            return \GuzzleHttp\Promise\Create::rejectionFor(Ffi::exception($this->ffi, $err));
        }
        return $this->promise(new Future($this->ffi, $out));
    }

    private function promise(Future $future): PromiseInterface
    {
        $promise = new Promise(
            function () use (&$promise, $future): void {
                try {
                    $promise->resolve($this->response($future->wait()));
                } catch (WxpayException $e) {
                    $promise->reject($e);
                }
            },
            static function () use ($future): void {
                $future->cancel();
            }
        );
        return $promise;
    }

    /** Copy an owned wxpay_response_t into a PSR-7 response and free it. */
    private function response(CData $r): ResponseInterface
    {
        try {
            $status = $this->ffi->wxpay_response_status($r);
            $headers = json_decode((string) $this->ffi->wxpay_response_headers_json($r), true) ?: [];
            $len = $this->ffi->new('size_t');
            $ptr = $this->ffi->wxpay_response_body($r, PhpFfi::addr($len));
            $body = $len->cdata > 0 ? PhpFfi::string($ptr, $len->cdata) : '';
        } finally {
            $this->ffi->wxpay_response_free($r);
        }
        return new Response($status, $headers, $body);
    }
}
