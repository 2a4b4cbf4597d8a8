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

    private function __construct()
    {
    }
}
