<?php
declare(strict_types=1);

namespace Wxpay\Driver;

use Wxpay\Exception\WxpayException;

/**
 * The driver over the wxpay PHP extension (`extension=wxpay.so`): internal functions in
 * `Wxpay\Ext\`, no FFI, works under every SAPI (php-fpm, Apache, the CLI) with PHP's defaults.
 *
 * @internal
 */
final class ExtDriver implements Driver
{
    public function name(): string
    {
        return 'ext';
    }

    /**
     * Run an extension call, turning its Wxpay\Ext\Error (message = the library's error JSON)
     * into the WxpayException subclass of its code.
     *
     * @template T
     * @param callable(): T $call
     * @return T
     */
    private static function run(callable $call): mixed
    {
        try {
            return $call();
        } catch (\Wxpay\Ext\Error $e) {
            throw WxpayException::fromJson($e->getMessage());
        }
    }

    public function clientNew(string $configJson): object
    {
        return self::run(static fn () => \Wxpay\Ext\client_new($configJson));
    }

    public function request(object $client, string $method, string $template, string $optionsJson): array
    {
        return self::run(static fn () => \Wxpay\Ext\request($client, $method, $template, $optionsJson));
    }

    public function requestStart(object $client, string $method, string $template, string $optionsJson): object
    {
        return self::run(static fn () => \Wxpay\Ext\request_start($client, $method, $template, $optionsJson));
    }

    public function call(object $client, string $name, string $argsJson): array
    {
        return self::run(static fn () => \Wxpay\Ext\call($client, $name, $argsJson));
    }

    public function callStart(object $client, string $name, string $argsJson): object
    {
        return self::run(static fn () => \Wxpay\Ext\call_start($client, $name, $argsJson));
    }

    public function callPrepare(object $client, string $name, string $argsJson, int $timestamp, ?string $nonce): string
    {
        return self::run(static fn () => \Wxpay\Ext\call_prepare($client, $name, $argsJson, $timestamp, $nonce));
    }

    public function catalogue(): string
    {
        return \Wxpay\Ext\catalogue();
    }

    public function setClientCache(int $capacity): void
    {
        self::run(static fn () => \Wxpay\Ext\set_client_cache($capacity));
    }

    public function futureWait(object $future): array
    {
        return self::run(static fn () => \Wxpay\Ext\future_wait($future));
    }

    public function futureDone(object $future): bool
    {
        return \Wxpay\Ext\future_done($future);
    }

    public function futureCancel(object $future): void
    {
        \Wxpay\Ext\future_cancel($future);
    }

    public function payParams(object $client, string $kind, string $argsJson): string
    {
        return self::run(static fn () => \Wxpay\Ext\pay_params($client, $kind, $argsJson));
    }

    public function sign(object $client, string $method, string $url, string $body, int $timestamp, ?string $nonce): string
    {
        return self::run(static fn () => \Wxpay\Ext\sign($client, $method, $url, $body, $timestamp, $nonce));
    }

    public function verify(object $client, ?string $timestamp, ?string $nonce, ?string $signature, ?string $serial, string $body, int $now): void
    {
        self::run(static fn () => \Wxpay\Ext\verify($client, $timestamp, $nonce, $signature, $serial, $body, $now));
    }

    public function prepare(object $client, string $method, string $template, string $optionsJson, int $timestamp, ?string $nonce): string
    {
        return self::run(static fn () => \Wxpay\Ext\prepare($client, $method, $template, $optionsJson, $timestamp, $nonce));
    }

    public function chainTemplate(string $segmentsJson): string
    {
        return self::run(static fn () => \Wxpay\Ext\chain_template($segmentsJson));
    }

    public function notificationParse(object $client, string $headersJson, string $body, int $now): string
    {
        return self::run(static fn () => \Wxpay\Ext\notification_parse($client, $headersJson, $body, $now));
    }

    public function notificationAnswer(?string $errorCode): array
    {
        return self::run(static fn () => \Wxpay\Ext\notification_answer($errorCode));
    }

    public function encryptField(object $client, string $plaintext): array
    {
        return self::run(static fn () => \Wxpay\Ext\encrypt_field($client, $plaintext));
    }

    public function decryptField(object $client, string $ciphertext): string
    {
        return self::run(static fn () => \Wxpay\Ext\decrypt_field($client, $ciphertext));
    }

    public function certificates(object $client): string
    {
        return self::run(static fn () => \Wxpay\Ext\certificates($client));
    }

    public function version(): string
    {
        return \Wxpay\Ext\version();
    }

    public function eventsEnable(object $client): void
    {
        self::run(static fn () => \Wxpay\Ext\events_enable($client));
    }

    public function eventsTake(object $client): array
    {
        return \Wxpay\Ext\events_take($client);
    }

    public function upload(object $client, string $template, string $optionsJson, ?string $path, ?string $data): array
    {
        return self::run(static fn () => \Wxpay\Ext\upload($client, $template, $optionsJson, $path, $data));
    }

    public function download(object $client, string $specJson, string $path): string
    {
        return self::run(static fn () => \Wxpay\Ext\download($client, $specJson, $path));
    }
}
