<?php
declare(strict_types=1);

namespace Wxpay\Driver;

use Wxpay\Exception\WxpayException;

/**
 * The one seam between the Wxpay\ classes and the native library: the PHP extension (`ext`,
 * wxpay.so) when it is loaded, FFI over libwxpay.so (`ffi`) otherwise. Both drivers take and give
 * the same values, so every class above them behaves the same on either.
 *
 * A response is `[int $status, string $headersJson, string $body]`. Handles (clients, futures)
 * are opaque objects freed when the last reference goes. Every failure throws the
 * `WxpayException` subclass of its code.
 *
 * @internal
 */
interface Driver
{
    /** "ext" or "ffi". */
    public function name(): string;

    /** @throws WxpayException */
    public function clientNew(string $configJson): object;

    /**
     * @return array{0: int, 1: string, 2: string, 3: string|null}
     * @throws WxpayException
     */
    public function request(object $client, string $method, string $template, string $optionsJson): array;

    /** @throws WxpayException */
    public function requestStart(object $client, string $method, string $template, string $optionsJson): object;

    /**
     * A typed call of the catalogue by name (`close_transaction`, `query_out_trade_no`, …), its
     * arguments as a JSON object. The response's fourth element is the call's typed result as
     * JSON (status, request_id, its fields, raw).
     *
     * @return array{0: int, 1: string, 2: string, 3: string|null}
     * @throws WxpayException
     */
    public function call(object $client, string $name, string $argsJson): array;

    /** @throws WxpayException */
    public function callStart(object $client, string $name, string $argsJson): object;

    /**
     * The exact request call() would send, signed at $timestamp with $nonce, as JSON.
     *
     * @throws WxpayException
     */
    public function callPrepare(object $client, string $name, string $argsJson, int $timestamp, ?string $nonce): string;

    /** The catalogue of typed calls as JSON. */
    public function catalogue(): string;

    /** Keep at most `$capacity` clients in the process's cache (throws out of range). */
    public function setClientCache(int $capacity): void;

    /**
     * Block on PHP's thread until the call finishes; its response. The future is spent after.
     *
     * @return array{0: int, 1: string, 2: string, 3: string|null}
     * @throws WxpayException
     */
    public function futureWait(object $future): array;

    public function futureDone(object $future): bool;

    /** Free the future now: cancels the call if it is still running. */
    public function futureCancel(object $future): void;

    /**
     * The front end's payment parameters as JSON; `$kind` is jsapi or app.
     *
     * @throws WxpayException
     */
    public function payParams(object $client, string $kind, string $argsJson): string;

    /** @throws WxpayException */
    public function sign(object $client, string $method, string $url, string $body, int $timestamp, ?string $nonce): string;

    /** @throws WxpayException */
    public function verify(object $client, ?string $timestamp, ?string $nonce, ?string $signature, ?string $serial, string $body, int $now): void;

    /** @throws WxpayException */
    public function prepare(object $client, string $method, string $template, string $optionsJson, int $timestamp, ?string $nonce): string;

    /** @throws WxpayException */
    public function chainTemplate(string $segmentsJson): string;

    /** The verified, decrypted notification as JSON; `$now` 0 means the current time. */
    public function notificationParse(object $client, string $headersJson, string $body, int $now): string;

    /** @return array{0: int, 1: string} [status, body] of the answer to WeChat Pay */
    public function notificationAnswer(?string $errorCode): array;

    /** @return array{0: string, 1: string} [ciphertext, serial] */
    public function encryptField(object $client, string $plaintext): array;

    public function decryptField(object $client, string $ciphertext): string;

    /** The keys in use and the state of certificate downloads, as JSON. */
    public function certificates(object $client): string;

    public function version(): string;

    /** Buffer the events of the calls made through this client from now on (see eventsTake). */
    public function eventsEnable(object $client): void;

    /**
     * The events buffered since the last take, oldest first, each as the core's JSON. They are
     * buffered on PHP's own thread, inside the call that made them.
     *
     * @return list<string>
     */
    public function eventsTake(object $client): array;

    /**
     * Upload the file at $path, or $data (then `filename` in the options).
     *
     * @return array{0: int, 1: string, 2: string, 3: string|null}
     * @throws WxpayException
     */
    public function upload(object $client, string $template, string $optionsJson, ?string $path, ?string $data): array;

    /** Download per $specJson into $path; the outcome's JSON. @throws WxpayException */
    public function download(object $client, string $specJson, string $path): string;
}
