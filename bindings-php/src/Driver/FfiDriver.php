<?php
declare(strict_types=1);

namespace Wxpay\Driver;

use FFI as PhpFfi;
use FFI\CData;
use Wxpay\Exception\InternalException;
use Wxpay\Exception\WxpayException;
use Wxpay\Ffi;

/**
 * The driver over libwxpay.so through PHP's FFI. Needs FFI enabled: the CLI allows it by
 * default; php-fpm and other SAPIs need `ffi.enable=true` or the preload recipe
 * (bindings-php/preload.php). The extension (ExtDriver) needs neither.
 *
 * @internal
 */
final class FfiDriver implements Driver
{
    public function __construct(private PhpFfi $ffi)
    {
    }

    public function name(): string
    {
        return 'ffi';
    }

    /** @param callable(CData, CData): int $call → the status; throws the error */
    private function out(string $type, callable $call): CData
    {
        $out = $this->ffi->new($type);
        $err = $this->ffi->new('wxpay_error_t*');
        if ($call(PhpFfi::addr($out), PhpFfi::addr($err)) !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
        return $out;
    }

    private function ptr(object $handle): CData
    {
        if (!$handle instanceof FfiHandle || $handle->ptr === null) {
            throw new InternalException('a wxpay handle was used after it was freed', ['code' => 'INTERNAL', 'may_have_been_sent' => false]);
        }
        return $handle->ptr;
    }

    private function clientHandle(CData $ptr): FfiHandle
    {
        $ffi = $this->ffi;
        return new FfiHandle($ptr, static function (CData $p) use ($ffi): void {
            $ffi->wxpay_client_free($p);
        });
    }

    private function futureHandle(CData $ptr): FfiHandle
    {
        $ffi = $this->ffi;
        return new FfiHandle($ptr, static function (CData $p) use ($ffi): void {
            $ffi->wxpay_future_free($p);
        });
    }

    /**
     * Copy an owned wxpay_response_t into [status, headersJson, body] and free it.
     *
     * @return array{0: int, 1: string, 2: string, 3: string|null}
     */
    private function response(CData $r): array
    {
        try {
            $len = $this->ffi->new('size_t');
            $ptr = $this->ffi->wxpay_response_body($r, PhpFfi::addr($len));
            $result = $this->ffi->wxpay_response_result_json($r);
            return [
                (int) $this->ffi->wxpay_response_status($r),
                (string) $this->ffi->wxpay_response_headers_json($r),
                $len->cdata > 0 ? PhpFfi::string($ptr, $len->cdata) : '',
                $result === null ? null : (string) $result,
            ];
        } finally {
            $this->ffi->wxpay_response_free($r);
        }
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

    public function clientNew(string $configJson): object
    {
        return $this->clientHandle($this->out('wxpay_client_t*', fn (CData $o, CData $e): int => $this->ffi->wxpay_client_new($configJson, $o, $e)));
    }

    public function request(object $client, string $method, string $template, string $optionsJson): array
    {
        $c = $this->ptr($client);
        return $this->response($this->out('wxpay_response_t*', fn (CData $o, CData $e): int => $this->ffi->wxpay_request($c, $method, $template, $optionsJson, $o, $e)));
    }

    public function requestStart(object $client, string $method, string $template, string $optionsJson): object
    {
        $c = $this->ptr($client);
        return $this->futureHandle($this->out('wxpay_future_t*', fn (CData $o, CData $e): int => $this->ffi->wxpay_request_start($c, $method, $template, $optionsJson, $o, $e)));
    }

    public function call(object $client, string $name, string $argsJson): array
    {
        $c = $this->ptr($client);
        return $this->response($this->out('wxpay_response_t*', fn (CData $o, CData $e): int => $this->ffi->wxpay_call($c, $name, $argsJson, $o, $e)));
    }

    public function callStart(object $client, string $name, string $argsJson): object
    {
        $c = $this->ptr($client);
        return $this->futureHandle($this->out('wxpay_future_t*', fn (CData $o, CData $e): int => $this->ffi->wxpay_call_start($c, $name, $argsJson, $o, $e)));
    }

    public function callPrepare(object $client, string $name, string $argsJson, int $timestamp, ?string $nonce): string
    {
        $c = $this->ptr($client);
        $out = $this->out('char*', fn (CData $o, CData $e): int => $this->ffi->wxpay_call_prepare($c, $name, $argsJson, $timestamp, $nonce, $o, $e));
        return Ffi::takeString($this->ffi, $out);
    }

    public function catalogue(): string
    {
        return (string) $this->ffi->wxpay_catalogue_json();
    }

    public function setClientCache(int $capacity): void
    {
        $err = $this->ffi->new('wxpay_error_t*');
        if ($this->ffi->wxpay_set_client_cache(max(0, $capacity), PhpFfi::addr($err)) !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
    }

    public function futureWait(object $future): array
    {
        $f = $this->ptr($future);
        $this->ffi->wxpay_future_wait($f, -1);
        try {
            return $this->response($this->out('wxpay_response_t*', fn (CData $o, CData $e): int => $this->ffi->wxpay_future_take($f, $o, $e)));
        } finally {
            $this->futureCancel($future);
        }
    }

    public function futureDone(object $future): bool
    {
        return $future instanceof FfiHandle && $future->ptr !== null && $this->ffi->wxpay_future_poll($future->ptr) !== 1;
    }

    public function futureCancel(object $future): void
    {
        if ($future instanceof FfiHandle) {
            $future->release();
        }
    }

    public function payParams(object $client, string $kind, string $argsJson): string
    {
        $c = $this->ptr($client);
        $out = $this->out('char*', fn (CData $o, CData $e): int => $this->ffi->wxpay_pay_params($c, $kind, $argsJson, $o, $e));
        return Ffi::takeString($this->ffi, $out);
    }

    public function sign(object $client, string $method, string $url, string $body, int $timestamp, ?string $nonce): string
    {
        $c = $this->ptr($client);
        $out = $this->out('char*', fn (CData $o, CData $e): int => $this->ffi->wxpay_sign($c, $method, $url, $this->bytes($body), strlen($body), $timestamp, $nonce, $o, $e));
        return Ffi::takeString($this->ffi, $out);
    }

    public function verify(object $client, ?string $timestamp, ?string $nonce, ?string $signature, ?string $serial, string $body, int $now): void
    {
        $c = $this->ptr($client);
        $err = $this->ffi->new('wxpay_error_t*');
        if ($this->ffi->wxpay_verify($c, $timestamp, $nonce, $signature, $serial, $this->bytes($body), strlen($body), $now, PhpFfi::addr($err)) !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
    }

    public function prepare(object $client, string $method, string $template, string $optionsJson, int $timestamp, ?string $nonce): string
    {
        $c = $this->ptr($client);
        $out = $this->out('char*', fn (CData $o, CData $e): int => $this->ffi->wxpay_prepare($c, $method, $template, $optionsJson, $timestamp, $nonce, $o, $e));
        return Ffi::takeString($this->ffi, $out);
    }

    public function chainTemplate(string $segmentsJson): string
    {
        $out = $this->out('char*', fn (CData $o, CData $e): int => $this->ffi->wxpay_chain_template($segmentsJson, $o, $e));
        return Ffi::takeString($this->ffi, $out);
    }

    public function notificationParse(object $client, string $headersJson, string $body, int $now): string
    {
        $c = $this->ptr($client);
        $n = $this->out('wxpay_notification_t*', fn (CData $o, CData $e): int => $this->ffi->wxpay_notification_parse_json($c, $headersJson, $this->bytes($body), strlen($body), $now, $o, $e));
        try {
            return (string) $this->ffi->wxpay_notification_json($n);
        } finally {
            $this->ffi->wxpay_notification_free($n);
        }
    }

    public function notificationAnswer(?string $errorCode): array
    {
        $body = $this->ffi->new('char*');
        $status = (int) $this->ffi->wxpay_notification_answer($errorCode, PhpFfi::addr($body));
        return [$status, Ffi::takeString($this->ffi, $body)];
    }

    public function encryptField(object $client, string $plaintext): array
    {
        $c = $this->ptr($client);
        $serial = $this->ffi->new('char*');
        $ct = $this->out('char*', fn (CData $o, CData $e): int => $this->ffi->wxpay_encrypt_field($c, $plaintext, $o, PhpFfi::addr($serial), $e));
        return [Ffi::takeString($this->ffi, $ct), Ffi::takeString($this->ffi, $serial)];
    }

    public function decryptField(object $client, string $ciphertext): string
    {
        $c = $this->ptr($client);
        $out = $this->out('char*', fn (CData $o, CData $e): int => $this->ffi->wxpay_decrypt_field($c, $ciphertext, $o, $e));
        return Ffi::takeString($this->ffi, $out);
    }

    public function certificates(object $client): string
    {
        $c = $this->ptr($client);
        $out = $this->out('char*', fn (CData $o, CData $e): int => $this->ffi->wxpay_certificates($c, $o, $e));
        return Ffi::takeString($this->ffi, $out);
    }

    public function version(): string
    {
        return (string) $this->ffi->wxpay_version();
    }

    public function eventsEnable(object $client): void
    {
        $c = $this->ptr($client);
        if (!$client instanceof FfiHandle || $client->events !== null) {
            return;
        }
        // The C ABI calls back on PHP's own thread, inside the call (never from a library
        // thread), so an FFI callback is safe here. It only appends to the buffer.
        $events = new \ArrayObject();
        $callback = static function (?CData $userdata, CData $event) use ($events): void {
            $events->append(PhpFfi::string($event->json));
        };
        $err = $this->ffi->new('wxpay_error_t*');
        if ($this->ffi->wxpay_client_set_event_callback($c, $callback, null, PhpFfi::addr($err)) !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
        $client->events = $events;
        $client->keep = $callback;
    }

    public function eventsTake(object $client): array
    {
        if (!$client instanceof FfiHandle || $client->events === null || count($client->events) === 0) {
            return [];
        }
        $taken = $client->events->getArrayCopy();
        $client->events->exchangeArray([]);
        return array_values($taken);
    }

    public function upload(object $client, string $template, string $optionsJson, ?string $path, ?string $data): array
    {
        $c = $this->ptr($client);
        if ($path !== null) {
            return $this->response($this->out('wxpay_response_t*', fn (CData $o, CData $e): int => $this->ffi->wxpay_upload($c, $template, $optionsJson, $path, $o, $e)));
        }
        $bytes = $this->bytes((string) $data);
        return $this->response($this->out('wxpay_response_t*', fn (CData $o, CData $e): int => $this->ffi->wxpay_upload_bytes($c, $template, $optionsJson, $bytes, strlen((string) $data), $o, $e)));
    }

    public function download(object $client, string $specJson, string $path): string
    {
        $c = $this->ptr($client);
        $out = $this->out('char*', fn (CData $o, CData $e): int => $this->ffi->wxpay_download($c, $specJson, $path, $o, $e));
        return Ffi::takeString($this->ffi, $out);
    }
}
