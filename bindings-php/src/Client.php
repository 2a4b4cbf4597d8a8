<?php
declare(strict_types=1);

namespace Wxpay;

use GuzzleHttp\Promise\Promise;
use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Response;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Wxpay\Driver\Driver;
use Wxpay\Driver\Drivers;
use Wxpay\Exception\ConfigException;
use Wxpay\Exception\InvalidArgumentException;
use Wxpay\Exception\WxpayException;

/**
 * One wxpay client (one native wxpay_client_t, one connection pool). Thread-safe natively;
 * share it across requests. `Builder::factory()` wraps it in the chainable API; it can also be
 * used directly: request(), requestAsync(), the typed calls of the Calls trait (closeTransaction(),
 * queryOutTradeNo(), … generated from the core's catalogue) and call() for any of them by name,
 * sign(), verify(), prepare().
 *
 * It reaches the native library through a driver: the wxpay extension when it is loaded, FFI
 * otherwise (`driver()` says which; the configuration key `driver` or WXPAY_DRIVER forces one).
 */
final class Client
{
    use Calls;

    private Driver $driver;
    private object $handle;
    /** A PSR-3 logger (`log($level, $message, $context)`) for the calls' events, or null. */
    private ?object $logger = null;
    /** @var (callable(array<string, mixed>): void)|null */
    private $onEvent = null;

    /**
     * @param array<string, mixed> $config the PHP SDK's keys: mchid, serial, privateKey, certs;
     *   and base_uri, ca_certs, resolve, timeout / connect_timeout (seconds, as Guzzle) or
     *   timeout_ms / connect_timeout_ms, retries, user_agent, insecure_http, apiv3_key (the
     *   32-character APIv3 key or a file:// path: decrypts notifications and downloaded
     *   certificates), auto_certificates (download the platform certificates and keep them
     *   current; `certs` then optional), certificate_refresh (seconds), certificate_endpoint
     *   ('mainland', 'hk', 'global'), proxy, no_proxy, proxy_from_env, lib; logger (a PSR-3
     *   logger: every attempt and call at debug, a retried attempt at warning, with the event
     *   as context) and on_event (a callable given each event as an array, for metrics or APM).
     */
    public function __construct(array $config)
    {
        $lib = $config['lib'] ?? null;
        if ($lib !== null && !is_string($lib)) {
            throw new ConfigException("config key 'lib' must be the path of libwxpay.so");
        }
        $driver = $config['driver'] ?? null;
        if ($driver !== null && $driver !== 'ext' && $driver !== 'ffi') {
            throw new ConfigException("config key 'driver' must be 'ext' (the wxpay extension) or 'ffi'", ['code' => ConfigException::CODE, 'may_have_been_sent' => false]);
        }
        $logger = $config['logger'] ?? null;
        if ($logger !== null && !(is_object($logger) && method_exists($logger, 'log'))) {
            throw new ConfigException("config key 'logger' must be a PSR-3 logger (Psr\\Log\\LoggerInterface: an object with log(\$level, \$message, \$context)), got " . get_debug_type($logger), ['code' => ConfigException::CODE, 'may_have_been_sent' => false]);
        }
        $onEvent = $config['on_event'] ?? null;
        if ($onEvent !== null && !is_callable($onEvent)) {
            throw new ConfigException("config key 'on_event' must be a callable taking the event array, got " . get_debug_type($onEvent), ['code' => ConfigException::CODE, 'may_have_been_sent' => false]);
        }
        $this->driver = Drivers::select($driver, $lib);
        $this->handle = $this->driver->clientNew(self::encode(self::coreConfig($config), 'configuration'));
        if ($logger !== null || $onEvent !== null) {
            $this->logger = $logger;
            $this->onEvent = $onEvent;
            $this->driver->eventsEnable($this->handle);
        }
    }

    /**
     * Run a call, then hand its events (buffered natively on this thread during the call) to
     * the logger and on_event, whatever the call's outcome.
     *
     * @template T
     * @param callable(): T $call
     * @return T
     */
    private function observed(callable $call): mixed
    {
        if ($this->logger === null && $this->onEvent === null) {
            return $call();
        }
        try {
            return $call();
        } finally {
            $this->dispatchEvents();
        }
    }

    private function dispatchEvents(): void
    {
        foreach ($this->driver->eventsTake($this->handle) as $json) {
            $event = json_decode($json, true);
            if (!is_array($event)) {
                continue;
            }
            try {
                if ($this->logger !== null) {
                    $level = ($event['will_retry'] ?? false) === true ? 'warning' : 'debug';
                    $this->logger->log($level, self::summary($event), $event);
                }
                if ($this->onEvent !== null) {
                    ($this->onEvent)($event);
                }
            } catch (\Throwable $e) {
                // A logger or hook that fails never changes the outcome of the call it reports.
                trigger_error(sprintf('wxpay: the logger or on_event hook threw %s: %s', get_class($e), $e->getMessage()), E_USER_WARNING);
            }
        }
    }

    /** The one-line summary of an event, as in every language (made by the core). */
    private static function summary(array $event): string
    {
        return is_string($event['summary'] ?? null) ? $event['summary'] : 'wxpay event';
    }

    /** Which native driver this client uses: "ext" (the wxpay extension) or "ffi". */
    public function driver(): string
    {
        return $this->driver->name();
    }

    /**
     * The configuration as the core takes it: names pass through untouched (the core accepts
     * the PHP SDK's spellings — `privateKey`, `timeout` in seconds as Guzzle — and names any
     * mistake as written); only PHP values JSON cannot carry are converted (OpenSSL key and
     * certificate objects to PEM, an integer mchid to a string, maps to JSON objects).
     *
     * @param array<string, mixed> $config
     * @return array<string, mixed>
     */
    private static function coreConfig(array $config): array
    {
        $core = [];
        foreach ($config as $key => $value) {
            if ($key === 'lib' || $key === 'driver' || $key === 'logger' || $key === 'on_event') {
                continue; // the PHP package's own keys
            }
            if ($key === 'privateKey' || $key === 'private_key') {
                $value = self::pem($value, (string) $key);
            } elseif ($key === 'certs' && is_array($value)) {
                $value = array_map(static fn ($cert) => self::pem($cert, 'certs'), $value);
                $value = (object) $value; // an empty PHP array must still be a JSON object
            } elseif ($key === 'resolve' && is_array($value)) {
                $value = (object) $value;
            } elseif ($key === 'mchid' && is_int($value)) {
                $value = (string) $value;
            }
            $core[$key] = $value;
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
        return $this->response($this->observed(fn (): array => $this->driver->request($this->handle, self::text($method, 'method'), self::text($uriTemplate, 'uri_template'), $json)));
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
        return $this->callAsync0(fn (): object => $this->driver->requestStart($this->handle, self::text($method, 'method'), self::text($uriTemplate, 'uri_template'), $json));
    }

    /**
     * Any typed call of the catalogue by name (`catalogue()` lists them; each also has its own
     * method, from the Calls trait), e.g. `call('query_out_trade_no', ['out_trade_no' => '…'])`.
     * Returns the core's typed result: status, request_id, the call's fields and raw (the
     * whole answer).
     *
     * @param array<string, mixed> $args snake_case or camelCase keys
     * @return array<string, mixed>
     * @throws WxpayException InvalidArgumentException::getArgument() names a bad argument
     */
    public function call(string $name, array $args = []): array
    {
        $json = self::callArgs($args);
        return self::result($this->observed(fn (): array => $this->driver->call($this->handle, self::text($name, 'name'), $json)));
    }

    /**
     * call() without waiting: a promise of the same result (`->then()->wait()`).
     *
     * @param array<string, mixed> $args
     */
    public function callAsync(string $name, array $args = []): PromiseInterface
    {
        try {
            $json = self::callArgs($args);
        } catch (WxpayException $e) {
            return \GuzzleHttp\Promise\Create::rejectionFor($e);
        }
        return $this->callAsync0(fn (): object => $this->driver->callStart($this->handle, self::text($name, 'name'), $json), 'result');
    }

    /**
     * Dry run of a typed call: the exact request call() would send (method, url, headers,
     * body), signed at $timestamp (null: now) with $nonce (null: random). Nothing is sent.
     *
     * @param array<string, mixed> $args
     * @return array<string, mixed>
     */
    public function prepareCall(string $name, array $args = [], ?int $timestamp = null, ?string $nonce = null): array
    {
        $text = $this->driver->callPrepare($this->handle, self::text($name, 'name'), self::callArgs($args), $timestamp ?? 0, self::text($nonce, 'nonce'));
        return (array) json_decode($text, true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * The catalogue of typed calls: ['version' => …, 'calls' => [['name', 'summary', 'doc',
     * 'lead', 'families', 'endpoints', 'args', 'success', 'returns'], …]].
     *
     * @return array<string, mixed>
     */
    public function catalogue(): array
    {
        return (array) json_decode($this->driver->catalogue(), true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * A typed method of the Calls trait: the lead (its first parameter) joined to the options,
     * run; 'shape' calls give the typed result array, the others the PSR-7 response.
     *
     * @param array<string, mixed> $options
     */
    private function typedCall(string $name, ?string $lead, ?string $leadValue, array $options, string $returns): mixed
    {
        $json = self::typedArgs($name, $lead, $leadValue, $options);
        $r = $this->observed(fn (): array => $this->driver->call($this->handle, $name, $json));
        return $returns === 'shape' ? self::result($r) : $this->response($r);
    }

    /** @param array<string, mixed> $options */
    private function typedCallAsync(string $name, ?string $lead, ?string $leadValue, array $options, string $returns): PromiseInterface
    {
        try {
            $json = self::typedArgs($name, $lead, $leadValue, $options);
        } catch (WxpayException $e) {
            return \GuzzleHttp\Promise\Create::rejectionFor($e);
        }
        return $this->callAsync0(fn (): object => $this->driver->callStart($this->handle, $name, $json), $returns === 'shape' ? 'result' : 'response');
    }

    /** @param array<string, mixed> $options */
    private static function typedArgs(string $name, ?string $lead, ?string $leadValue, array $options): string
    {
        if ($lead !== null) {
            $camel = lcfirst(str_replace('_', '', ucwords($lead, '_')));
            if (array_key_exists($lead, $options) || array_key_exists($camel, $options)) {
                throw new InvalidArgumentException(
                    sprintf('%s: give %s once, as the first argument, not also in the options', $name, $lead),
                    ['code' => InvalidArgumentException::CODE, 'may_have_been_sent' => false, 'argument' => $lead]
                );
            }
            $options[$lead] = self::text($leadValue, $lead);
        }
        return self::callArgs($options);
    }

    /** @param array<string, mixed> $args */
    private static function callArgs(array $args): string
    {
        return $args === [] ? '{}' : self::encode($args, 'arguments');
    }

    /**
     * The core's typed result of a driver response.
     *
     * @param array{0: int, 1: string, 2: string, 3?: string|null} $r
     * @return array<string, mixed>
     */
    private static function result(array $r): array
    {
        $result = isset($r[3]) ? json_decode($r[3], true) : null;
        return is_array($result) ? $result : ['status' => $r[0], 'request_id' => null, 'raw' => []];
    }

    /**
     * Upload a file to $uriTemplate (e.g. 'v3/merchant/media/upload'): multipart `meta` then the
     * file, the signature over the meta as sent (never the multipart body). $file: a path, an
     * \SplFileInfo, or a PSR-7 stream (then give 'filename').
     *
     * @param array<string, mixed> $options 'meta' (the file's SHA-256 fills its null fields,
     *   or 'sha256'), 'filename', 'content_type', and base_uri / placeholder values
     * @throws WxpayException InvalidArgumentException for a file over the endpoint's limit
     *   (nothing sent)
     */
    public function upload(string $uriTemplate, string|\SplFileInfo|\Psr\Http\Message\StreamInterface $file, array $options = []): ResponseInterface
    {
        $path = null;
        $data = null;
        if ($file instanceof \Psr\Http\Message\StreamInterface) {
            if ($file->isSeekable()) {
                $file->rewind();
            }
            $data = $file->getContents();
        } else {
            $path = self::text((string) $file, 'path');
        }
        if (isset($options['meta']) && is_array($options['meta'])) {
            $options['meta'] = (object) $options['meta'];
        }
        $json = self::encode($options === [] ? new \stdClass() : $options, 'upload options');
        return $this->response($this->observed(fn (): array => $this->driver->upload($this->handle, self::text($uriTemplate, 'uri_template'), $json, $path, $data)));
    }

    /**
     * Download a download_url WeChat Pay gave into $path, streamed (memory stays flat); only
     * WeChat Pay's hosts get the signature.
     *
     * @param array{sha1?: string, gunzip?: bool, max_bytes?: int} $options
     * @return array{path: string, status: int, request_id: ?string, bytes: int, received: int, sha1: string, checked: bool}
     * @throws WxpayException VerifyException (getVerifyFailure() 'DIGEST_MISMATCH') when the
     *   SHA-1 differs; nothing is left at $path
     */
    public function download(string $url, string $path, array $options = []): array
    {
        $spec = ['url' => $url, 'gunzip' => (bool) ($options['gunzip'] ?? false)];
        if (isset($options['sha1'])) {
            $spec += ['hash_type' => 'SHA1', 'hash_value' => $options['sha1']];
        }
        if (isset($options['max_bytes'])) {
            $spec['max_bytes'] = $options['max_bytes'];
        }
        return $this->downloadSpec($spec, $path);
    }

    /**
     * The mainland bill ('tradebill' or 'fundflowbill') into $path: the signed first answer,
     * then the file, its SHA-1 checked over the decompressed bytes.
     *
     * @param array<string, mixed> $query bill_date (YYYY-MM-DD), tar_type ('GZIP'), bill_type,
     *   account_type, sub_mchid; and 'max_bytes'
     * @return array{path: string, status: int, request_id: ?string, bytes: int, received: int, sha1: string, checked: bool}
     */
    public function downloadBill(string $kind, string $path, array $query): array
    {
        $spec = ['bill' => $kind];
        if (isset($query['max_bytes'])) {
            $spec['max_bytes'] = $query['max_bytes'];
            unset($query['max_bytes']);
        }
        $spec['query'] = (object) $query;
        return $this->downloadSpec($spec, $path);
    }

    /**
     * The HK ('hk', …/hk/v3/statements) or Global ('global') statement into $path, verified
     * through Wechatpay-Statement-Sha1 (the signature over {"sha1": …}, then the CSV's SHA-1).
     *
     * @param array<string, mixed> $query date (YYYYMMDD), mchid (default: the client's) or
     *   sp_mchid, sub_mchid
     * @return array{path: string, status: int, request_id: ?string, bytes: int, received: int, sha1: string, checked: bool}
     */
    public function downloadStatement(string $endpoint, string $path, array $query, bool $gzip = true): array
    {
        return $this->downloadSpec(['statement' => $endpoint, 'query' => (object) $query, 'gzip' => $gzip], $path);
    }

    /**
     * @param array<string, mixed> $spec
     * @return array{path: string, status: int, request_id: ?string, bytes: int, received: int, sha1: string, checked: bool}
     */
    private function downloadSpec(array $spec, string $path): array
    {
        $json = self::encode($spec, 'download options');
        $out = $this->observed(fn (): string => $this->driver->download($this->handle, $json, self::text($path, 'path')));
        $d = json_decode($out, true, 512, JSON_THROW_ON_ERROR);
        return ['path' => $path] + $d;
    }

    /**
     * What the page hands to `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` or a mini
     * program to `wx.requestPayment`, signed with the merchant key; nothing is sent. $prepayId
     * is the create call's prepay_id, $appid the app id the order was created with (sub_appid
     * when the payer pays in the sub-merchant's app). $timestamp and $nonce default to now and
     * a fresh random nonce (give them only in tests). `json_encode` the answer as it is.
     *
     * @return array{appId: string, timeStamp: string, nonceStr: string, package: string, signType: string, paySign: string}
     * @throws InvalidArgumentException naming the argument (getArgument())
     */
    public function jsapiPayParams(string $prepayId, string $appid, ?int $timestamp = null, ?string $nonce = null): array
    {
        return $this->payParams('jsapi', ['appid' => $appid, 'prepay_id' => $prepayId, 'timestamp' => $timestamp, 'nonce' => $nonce]);
    }

    /**
     * What the app hands to the WeChat OpenSDK's PayReq, signed with the merchant key; nothing
     * is sent. $partnerid defaults to the client's mchid (the sub_mchid in service-provider mode).
     *
     * @return array{appid: string, partnerid: string, prepayid: string, package: string, noncestr: string, timestamp: string, sign: string}
     * @throws InvalidArgumentException naming the argument (getArgument())
     */
    public function appPayParams(string $prepayId, string $appid, ?string $partnerid = null, ?int $timestamp = null, ?string $nonce = null): array
    {
        return $this->payParams('app', ['appid' => $appid, 'prepay_id' => $prepayId, 'partnerid' => $partnerid, 'timestamp' => $timestamp, 'nonce' => $nonce]);
    }

    /** @param array<string, mixed> $args */
    private function payParams(string $kind, array $args): array
    {
        $json = self::encode(array_filter($args, static fn ($v): bool => $v !== null), 'pay parameters');
        /** @var array<string, string> */
        return json_decode($this->driver->payParams($this->handle, $kind, $json), true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * Signing utility: the Authorization value for $method on the absolute $url with $body.
     * $timestamp (Unix seconds) and $nonce default to now and a random nonce.
     */
    public function sign(string $method, string $url, string $body = '', ?int $timestamp = null, ?string $nonce = null): string
    {
        return $this->driver->sign($this->handle, self::text($method, 'method'), self::text($url, 'url'), $body, $timestamp ?? 0, self::text($nonce, 'nonce'));
    }

    /**
     * Verification utility: check a WeChat Pay signature (an answer's or a callback's). Header
     * values may be null when absent. Throws VerifyException when it does not hold.
     */
    public function verify(?string $timestamp, ?string $nonce, ?string $signature, ?string $serial, string $body, ?int $now = null): void
    {
        $this->driver->verify($this->handle, self::text($timestamp, 'timestamp'), self::text($nonce, 'nonce'), self::text($signature, 'signature'), self::text($serial, 'serial'), $body, $now ?? 0);
    }

    /**
     * Dry run: the exact request request() would send, signed at $timestamp with $nonce.
     *
     * @param array<string, mixed> $options
     * @return array<string, mixed> method, url, canonical_url, headers, body, timestamp, nonce, authorization
     */
    public function prepare(string $method, string $uriTemplate, array $options = [], ?int $timestamp = null, ?string $nonce = null): array
    {
        $json = $this->driver->prepare($this->handle, self::text($method, 'method'), self::text($uriTemplate, 'uri_template'), self::options($options), $timestamp ?? 0, self::text($nonce, 'nonce'));
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * Verify and decrypt a notification WeChat Pay sent to notify_url: a PSR-7
     * ServerRequestInterface, or the headers (`getHeaders()` shape, or name => value) and the
     * **raw body** (`file_get_contents('php://input')`), never decoded JSON.
     *
     * Throws VerifyException (getVerifyFailure() 'SIGNTEST' for a WeChat Pay probe) or
     * DecodeException ('wrong APIv3 key or tampered'); answer with notificationAnswer($e).
     *
     * @param ServerRequestInterface|array<string, string|list<string>> $requestOrHeaders
     * @return array{id: string, create_time: ?string, event_type: string, resource_type: ?string, summary: ?string, original_type: ?string, resource: array<string, mixed>}
     */
    public function parseNotification(ServerRequestInterface|array $requestOrHeaders, ?string $body = null, ?int $now = null): array
    {
        if ($requestOrHeaders instanceof ServerRequestInterface) {
            $headers = $requestOrHeaders->getHeaders();
            if ($body === null) {
                $stream = $requestOrHeaders->getBody();
                if ($stream->isSeekable()) {
                    $stream->rewind();
                }
                $body = (string) $stream;
            }
        } else {
            $headers = $requestOrHeaders;
            if ($body === null) {
                throw new InvalidArgumentException('parseNotification($headers, $body): give the raw body (file_get_contents(\'php://input\')), or pass a PSR-7 ServerRequestInterface', ['code' => InvalidArgumentException::CODE, 'may_have_been_sent' => false]);
            }
        }
        $json = $this->driver->notificationParse($this->handle, self::encode((object) $headers, 'headers'), $body, $now ?? 0);
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * What to answer WeChat Pay: without an exception (the notification was taken) 204 and no
     * body; for the exception parseNotification() threw, 401 (VERIFY, a SIGNTEST probe
     * included: never process a probe; WeChat Pay sends it again correctly signed), 400
     * (DECODE, INVALID_ARGUMENT) or 500 (anything else) with {"code":"FAIL","message":…}.
     *
     * @return array{status: int, headers: array<string, string>, body: string}
     */
    public function notificationAnswer(?\Throwable $e = null): array
    {
        $code = $e === null ? null : ($e instanceof WxpayException ? $e->getErrorCode() : 'INTERNAL');
        [$status, $body] = $this->driver->notificationAnswer($code);
        return ['status' => $status, 'headers' => $body === '' ? [] : ['Content-Type' => 'application/json'], 'body' => $body];
    }

    /** notificationAnswer() as a PSR-7 response (for PSR-15 handlers and frameworks). */
    public function notificationResponse(?\Throwable $e = null): ResponseInterface
    {
        $a = $this->notificationAnswer($e);
        return new Response($a['status'], $a['headers'], $a['body']);
    }

    /**
     * Encrypt a sensitive field (a name, an ID number…) with WeChat Pay's public key. Send
     * `serial` as the Wechatpay-Serial header, or let the request option
     * `'encrypt' => ['/json/pointer']` encrypt fields of `json` and set the header.
     *
     * @return array{ciphertext: string, serial: string}
     */
    public function encryptField(string $plaintext): array
    {
        [$ciphertext, $serial] = $this->driver->encryptField($this->handle, self::text($plaintext, 'plaintext'));
        return ['ciphertext' => $ciphertext, 'serial' => $serial];
    }

    /** Decrypt a field WeChat Pay encrypted for the merchant (with the merchant key). */
    public function decryptField(string $ciphertext): string
    {
        return $this->driver->decryptField($this->handle, self::text($ciphertext, 'ciphertext'));
    }

    /**
     * The keys this client verifies with and the state of certificate downloads: `keys` (each
     * `id`, `kind` 'certificate' or 'public_key', `not_before`, `not_after` in Unix seconds or
     * null, `source` 'configured' or 'downloaded'), `auto_certificates`, `last_download` (`at`,
     * `attempted_at`, `public_key_only`, `error`: why the last download failed, or null).
     *
     * @return array{keys: list<array{id: string, kind: string, not_before: ?int, not_after: ?int, source: string}>, auto_certificates: bool, last_download: array{at: ?int, attempted_at: ?int, public_key_only: bool, error: ?string}}
     */
    public function certificates(): array
    {
        return json_decode($this->driver->certificates($this->handle), true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * The PHP SDK's chain normalisation, done by the core.
     *
     * @param list<string> $segments
     */
    public function chainTemplate(array $segments): string
    {
        return $this->driver->chainTemplate(self::encode(array_values($segments), 'segments'));
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

    /** The native library's version. */
    public function version(): string
    {
        return $this->driver->version();
    }

    /**
     * A native `…Start` call: `$start()` returns the future; a promise of the response.
     *
     * @param callable(): object $start
     */
    private function callAsync0(callable $start, string $as = 'response'): PromiseInterface
    {
        try {
            $future = new Future($this->driver, $start());
        } catch (WxpayException $e) {
            return \GuzzleHttp\Promise\Create::rejectionFor($e);
        }
        return $this->promise($future, $as);
    }

    /** @param string $as 'response' (PSR-7) or 'result' (the core's typed result array) */
    private function promise(Future $future, string $as = 'response'): PromiseInterface
    {
        $promise = new Promise(
            function () use (&$promise, $future, $as): void {
                try {
                    $r = $this->observed(static fn (): array => $future->wait());
                    $promise->resolve($as === 'result' ? self::result($r) : $this->response($r));
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

    /**
     * A driver's [status, headersJson, body] as a PSR-7 response.
     *
     * @param array{0: int, 1: string, 2: string} $r
     */
    private function response(array $r): ResponseInterface
    {
        $headers = json_decode($r[1], true);
        return new Response($r[0], is_array($headers) ? $headers : [], $r[2]);
    }
}
