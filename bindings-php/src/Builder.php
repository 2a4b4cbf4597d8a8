<?php
declare(strict_types=1);

namespace Wxpay;

/**
 * Entry point, as the PHP SDK's `WeChatPay\Builder`:
 *
 * ```php
 * $instance = Wxpay\Builder::factory([
 *     'mchid'      => '1230000109',
 *     'serial'     => '3775B6A45ACD588826D15E583A95F5DD********',
 *     'privateKey' => 'file:///path/to/apiclient_key.pem',
 *     'certs'      => ['PUB_KEY_ID_0114232134912410000000000000' => 'file:///path/to/pub_key.pem'],
 * ]);
 * $instance->v3->transactions->id->_transaction_id_->close->post([...]);
 * ```
 *
 * Besides the SDK's keys: base_uri, ca_certs, resolve, timeout / connect_timeout (seconds),
 * timeout_ms / connect_timeout_ms, retries, user_agent, insecure_http, and lib (the path of
 * libwxpay.so when WXPAY_LIB is not set).
 */
final class Builder
{
    /** @param array<string, mixed> $config */
    public static function factory(array $config = []): Chainable
    {
        return new Chainable(new Client($config));
    }

    /**
     * Keep at most `$capacity` (1 – 1,000,000) clients in this process's cache from now on:
     * `factory()` with a configuration already built in this process (a php-fpm worker's later
     * requests) returns that client — parsed keys, warm connections. Default 64, or
     * `WXPAY_CLIENT_CACHE` from the environment (php-fpm: `env[WXPAY_CLIENT_CACHE] = 1000` in the
     * pool); a platform serving many merchants sets it to their number. Shrinking evicts the
     * least recently used at once; an evicted client's key is wiped once nothing holds it.
     * Clients with the same connection settings (`connect_timeout`, `ca_certs`, `resolve`, the
     * proxy) share one connection pool whatever the merchant.
     *
     * @param array{driver?: string, lib?: string} $options the driver (and library) whose cache
     *        it is, as in `factory()`'s configuration; default: the one `factory()` picks
     * @throws Exception\InvalidArgumentException out of range
     */
    public static function setClientCache(int $capacity, array $options = []): void
    {
        $driver = isset($options['driver']) && is_string($options['driver']) ? $options['driver'] : null;
        $lib = isset($options['lib']) && is_string($options['lib']) ? $options['lib'] : null;
        Driver\Drivers::select($driver, $lib)->setClientCache($capacity);
    }

    private function __construct()
    {
    }
}
