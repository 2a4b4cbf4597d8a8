<?php
/*
 * An in-app (APP) checkout on the Global API with wxpay, end to end against the local WeChat Pay
 * (wxpay sandbox).
 *
 *     composer require wxpay/wxpay      # and the wxpay CLI on PATH (or WXPAY_CLI=/path/to/wxpay)
 *     php checkout.php
 *
 * The shop: an order table (shop.php), the notify_url endpoint (notify.php, served here by PHP's
 * built-in web server as php-fpm would), and this script as the server side of the checkout.
 * The day: create the APP order → hand the signed PayReq parameters to the app → the payer pays
 * (the sandbox plays them) → notify.php verifies TRANSACTION.SUCCESS and marks the order paid →
 * query confirms it → refund part → REFUND.SUCCESS marks it refunded.
 *
 * Against WeChat Pay itself only the client changes: the merchant's keys in the configuration,
 * and an https notify_url.
 */
declare(strict_types=1);

require __DIR__ . '/vendor/autoload.php';
require __DIR__ . '/shop.php';

use Wxpay\Testing\Sandbox;

const APPID = 'wxd678efh567hg6787'; // the app's id on the WeChat Open Platform
const MCC = '5812'; // the merchant category code WeChat Pay assigned (HK and Global)

function wait_for(string $db, string $outTradeNo, string $state): array
{
    for ($i = 0; $i < 200; $i++) {
        $order = shop_order($db, $outTradeNo);
        if (($order['state'] ?? null) === $state) {
            return $order;
        }
        usleep(50000);
    }
    throw new RuntimeException("order $outTradeNo never became $state: " . json_encode(shop_order($db, $outTradeNo)));
}

$sandbox = Sandbox::start();
$client = $sandbox->client();
$db = (string) tempnam(sys_get_temp_dir(), 'shop-db-');

// The notify_url endpoint: notify.php under PHP's built-in web server on a free port (it reads
// the same php.ini, so the same wxpay extension, or FFI).
$sock = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr((string) strrchr((string) stream_socket_get_name($sock, false), ':'), 1);
fclose($sock);
$php = [PHP_BINARY, '-d', 'ffi.enable=1'];
$server = proc_open(array_merge($php, ['-S', "127.0.0.1:$port", __DIR__ . '/notify.php']), [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes, null,
    ['SHOP_DB' => $db, 'WXPAY_CONFIG' => $sandbox->clientConfig] + getenv());
for ($i = 0; $i < 100 && @fsockopen('127.0.0.1', $port) === false; $i++) {
    usleep(50000);
}
$notifyUrl = "http://127.0.0.1:$port/wxpay/notify";

try {
    // 1. The payer taps "pay" in the app: create the order, hand the signed parameters to PayReq.
    $outTradeNo = 'GL-SHOP-20261207-0001';
    shop_update($db, function (array $d) use ($outTradeNo): array {
        $d['orders'][$outTradeNo] = ['state' => 'created', 'amount' => 1999];
        return $d;
    });
    $prepay = $client->createApp(['out_trade_no' => $outTradeNo, 'description' => 'Noodle bowl', 'amount' => 1999,
        'currency' => 'USD', 'merchant_category_code' => MCC, 'appid' => APPID, 'notify_url' => $notifyUrl, 'endpoint' => 'global']);
    $payReq = $client->appPayParams($prepay['prepay_id'], APPID);
    printf("1. created %s → PayReq {partnerId: %s, prepayId: %s, package: %s, sign: …}\n", $outTradeNo, $payReq['partnerid'], $payReq['prepayid'], $payReq['package']);

    // 2. The payer pays in WeChat (the sandbox plays them); notify.php marks the order paid.
    $sandbox->pay(['prepay_id' => $prepay['prepay_id']]);
    $order = wait_for($db, $outTradeNo, 'paid');
    printf("2. notified: paid, transaction %s\n", $order['transaction_id']);

    // 3. Never trust the app alone: ask WeChat Pay (->then()->wait(), as the PHP SDK's async).
    $t = $client->queryOutTradeNoAsync($outTradeNo, ['endpoint' => 'global'])->then(fn (array $t) => $t)->wait();
    if ($t['trade_state'] !== 'SUCCESS' || $t['total'] !== 1999) {
        throw new RuntimeException('unexpected order ' . json_encode($t));
    }
    printf("3. queried: %s %d %s\n", $t['trade_state'], $t['total'], $t['currency']);

    // 4. A partial refund: accepted now, REFUND.SUCCESS when the money is back.
    $r = $client->createRefund(['out_refund_no' => "$outTradeNo-R1", 'out_trade_no' => $outTradeNo, 'refund' => 500, 'total' => 1999,
        'currency' => 'USD', 'appid' => APPID, 'reason' => 'spilled', 'notify_url' => $notifyUrl, 'endpoint' => 'global']);
    printf("4. refund %s %s\n", $r['out_refund_no'], $r['refund_status'] ?? '(accepted)');
    wait_for($db, $outTradeNo, 'refunded');
    $settled = $client->queryRefund("$outTradeNo-R1", ['endpoint' => 'global']);
    if ($settled['refund_status'] !== 'SUCCESS') {
        throw new RuntimeException('unexpected refund ' . json_encode($settled));
    }
    printf("5. notified and queried: refund %s %d\n", $settled['refund_status'], $settled['refund']);
} finally {
    proc_terminate($server);
    proc_close($server);
    @unlink($db);
    $sandbox->stop();
}
echo "checkout OK\n";
