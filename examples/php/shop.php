<?php
/*
 * The shop's order table, shared by checkout.php and the notify_url endpoint (notify.php) the
 * way a PHP shop shares its database between requests: here a JSON file under flock.
 */
declare(strict_types=1);

/**
 * Read-modify-write the orders (out_trade_no => order) and the notification ids already handled.
 *
 * @param callable(array{orders: array<string, array<string, mixed>>, seen: list<string>}): array{orders: array<string, array<string, mixed>>, seen: list<string>} $change
 * @return array{orders: array<string, array<string, mixed>>, seen: list<string>}
 */
function shop_update(string $db, callable $change): array
{
    $f = fopen($db, 'c+');
    if ($f === false) {
        throw new RuntimeException("cannot open the shop's database $db");
    }
    try {
        flock($f, LOCK_EX);
        $text = stream_get_contents($f);
        $data = $text !== '' && $text !== false ? json_decode($text, true, 512, JSON_THROW_ON_ERROR) : ['orders' => [], 'seen' => []];
        $data = $change($data);
        ftruncate($f, 0);
        rewind($f);
        fwrite($f, json_encode($data, JSON_THROW_ON_ERROR));
        return $data;
    } finally {
        flock($f, LOCK_UN);
        fclose($f);
    }
}

/** @return array<string, mixed> the order as the shop knows it */
function shop_order(string $db, string $outTradeNo): array
{
    return shop_update($db, fn (array $d) => $d)['orders'][$outTradeNo] ?? [];
}
