<?php
/*
 * A notify_url endpoint as a merchant writes one, served by PHP's built-in web server in
 * test_notifications.php: PSR-7 request in, wxpay's answer out. Each outcome is appended to the
 * file WXPAY_NOTIFY_LOG names.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use GuzzleHttp\Psr7\ServerRequest;
use Wxpay\Exception\WxpayException;

$client = new Wxpay\Client(sandbox_factory_config());
try {
    $n = $client->parseNotification(ServerRequest::fromGlobals());
    $seen = $n['event_type'] . ' ' . $n['resource']['out_trade_no'];
    $answer = $client->notificationAnswer();
} catch (WxpayException $e) {
    $seen = $e->getVerifyFailure() ?? $e->getErrorCode();
    $answer = $client->notificationAnswer($e);
}
file_put_contents((string) getenv('WXPAY_NOTIFY_LOG'), $client->driver() . ' ' . $seen . "\n", FILE_APPEND);
http_response_code($answer['status']);
foreach ($answer['headers'] as $k => $v) {
    header("$k: $v");
}
echo $answer['body'];
