<?php
/*
 * The shop's notify_url endpoint (run by php-fpm, or here PHP's built-in web server): verify and
 * decrypt WeChat Pay's notification with the raw request, update the order, answer.
 * SHOP_DB names the order table, WXPAY_CONFIG the client configuration.
 */
declare(strict_types=1);

require __DIR__ . '/vendor/autoload.php';
require __DIR__ . '/shop.php';

use GuzzleHttp\Psr7\ServerRequest;
use Wxpay\Exception\WxpayException;

$client = new Wxpay\Client(json_decode((string) file_get_contents((string) getenv('WXPAY_CONFIG')), true));
try {
    $n = $client->parseNotification(ServerRequest::fromGlobals());
    shop_update((string) getenv('SHOP_DB'), function (array $d) use ($n): array {
        if (in_array($n['id'], $d['seen'], true)) {
            return $d; // WeChat Pay redelivers: handle each notification once
        }
        $d['seen'][] = $n['id'];
        $no = (string) ($n['resource']['out_trade_no'] ?? '');
        if (isset($d['orders'][$no]) && $n['event_type'] === 'TRANSACTION.SUCCESS') {
            $d['orders'][$no]['state'] = 'paid';
            // (HK and Global name WeChat Pay's order id `id`, the mainland `transaction_id`)
            $d['orders'][$no]['transaction_id'] = $n['resource']['transaction_id'] ?? $n['resource']['id'];
        } elseif (isset($d['orders'][$no]) && $n['event_type'] === 'REFUND.SUCCESS') {
            $d['orders'][$no]['state'] = 'refunded';
            $d['orders'][$no]['refunded'] = $n['resource']['amount']['refund'];
        }
        return $d;
    });
    $answer = $client->notificationAnswer();
} catch (WxpayException $e) {
    $answer = $client->notificationAnswer($e); // 401/400: WeChat Pay sends it again
}
http_response_code($answer['status']);
foreach ($answer['headers'] as $name => $value) {
    header("$name: $value");
}
echo $answer['body'];
