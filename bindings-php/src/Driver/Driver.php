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
     * @return array{0: int, 1: string, 2: string}
     * @throws WxpayException
     */
    public function request(object $client, string $method, string $template, string $optionsJson): array;

    /** @throws WxpayException */
    public function requestStart(object $client, string $method, string $template, string $optionsJson): object;

    /**
     * Close by `transaction_id` or `out_trade_no` ($by).
     *
     * @return array{0: int, 1: string, 2: string}
     * @throws WxpayException
     */
    public function close(object $client, string $by, string $id, string $optionsJson): array;

    /** @throws WxpayException */
    public function closeStart(object $client, string $transactionId, string $optionsJson): object;

    /**
     * Block on PHP's thread until the call finishes; its response. The future is spent after.
     *
     * @return array{0: int, 1: string, 2: string}
     * @throws WxpayException
     */
    public function futureWait(object $future): array;

    public function futureDone(object $future): bool;

    /** Free the future now: cancels the call if it is still running. */
    public function futureCancel(object $future): void;

    /** @throws WxpayException */
    public function sign(object $client, string $method, string $url, string $body, int $timestamp, ?string $nonce): string;

    /** @throws WxpayException */
    public function verify(object $client, ?string $timestamp, ?string $nonce, ?string $signature, ?string $serial, string $body, int $now): void;

    /** @throws WxpayException */
    public function prepare(object $client, string $method, string $template, string $optionsJson, int $timestamp, ?string $nonce): string;

    /** @throws WxpayException */
    public function chainTemplate(string $segmentsJson): string;

    /** @return array{0: int, 1: string, 2: string} the security echo's 200 answer */
    public function securityEcho(object $client, string $message, ?string $notifyUrl): array;

    public function securityEchoStart(object $client, string $message, ?string $notifyUrl): object;

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
     * @return array{0: int, 1: string, 2: string}
     * @throws WxpayException
     */
    public function upload(object $client, string $template, string $optionsJson, ?string $path, ?string $data): array;

    /** Download per $specJson into $path; the outcome's JSON. @throws WxpayException */
    public function download(object $client, string $specJson, string $path): string;
}
