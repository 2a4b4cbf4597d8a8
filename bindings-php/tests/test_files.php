<?php
/*
 * Files against the sandbox, on the driver tests/run.sh chose: uploads signed over their meta,
 * the B1 bill and statement with their published SHA-1, failures leaving nothing behind.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use GuzzleHttp\Psr7\Utils;
use Wxpay\Client;
use Wxpay\Exception\InvalidArgumentException;
use Wxpay\Exception\TransportException;
use Wxpay\Exception\VerifyException;

const B1_SHA1 = '9bb6cd819be348f17a9cbcedddc8eb62fefbd790';

$client = new Client(sandbox_factory_config());
check_driver($client);
$dir = sys_get_temp_dir() . '/wxpay-php-files-' . bin2hex(random_bytes(4));
mkdir($dir);

// Uploads: a stream with a filename, and a path to Global storage (its digest field `digest`).
$r = $client->upload('v3/merchant/media/upload', Utils::streamFor("\x89PNG test"), ['filename' => 'photo.png']);
check(str_starts_with(json_decode((string) $r->getBody(), true)['media_id'] ?? '', 'sandbox-media-'), 'an image uploaded from a stream');
file_put_contents("$dir/contract.pdf", '%PDF-1.4 test');
$r = $client->upload('v3/global/merchant-storage/file/upload', "$dir/contract.pdf", [
    'meta' => ['filename' => 'contract.pdf', 'digest' => null],
    'base_uri' => 'https://apihk.mch.weixin.qq.com/',
]);
check(str_starts_with(json_decode((string) $r->getBody(), true)['file_id'] ?? '', 'sandbox-file-'), 'a PDF uploaded from a path');
file_put_contents("$dir/big.jpg", str_repeat("\0", 5 * 1024 * 1024 + 1));
try {
    $client->upload('v3/merchant/media/upload', "$dir/big.jpg");
    check(false, 'a file over the limit is refused');
} catch (InvalidArgumentException $e) {
    check(str_contains($e->getMessage(), 'at most 5242880 bytes') && !$e->mayHaveBeenSent(), 'refused before sending: ' . $e->getMessage());
}
unlink("$dir/big.jpg");

// The B1 bill, plain and gzip; statements HK and Global.
foreach ([null, 'GZIP'] as $tar) {
    $query = ['bill_date' => '2019-02-01', 'bill_type' => 'ALL'];
    if ($tar !== null) {
        $query['tar_type'] = $tar;
    }
    $d = $client->downloadBill('tradebill', "$dir/bill.csv", $query);
    check($d['sha1'] === B1_SHA1 && $d['bytes'] === 14686 && $d['checked'] === true, 'B1 bill ' . ($tar ?? 'plain'));
    check(($d['received'] < $d['bytes']) === ($tar === 'GZIP'), 'gzip received fewer bytes');
    check(sha1_file("$dir/bill.csv") === B1_SHA1, 'the file on disk has the published SHA-1');
}
unlink("$dir/bill.csv");
foreach (['hk', 'global'] as $endpoint) {
    $d = $client->downloadStatement($endpoint, "$dir/statement.csv", ['date' => '20190201']);
    check($d['sha1'] === B1_SHA1 && $d['checked'], "the $endpoint statement");
}
unlink("$dir/statement.csv");

// Failures leave nothing behind.
$admin = new Client(sandbox_factory_config());
$control = static fn (array $f) => $admin->request('POST', 'faults', ['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/', 'json' => $f]);
$control(['fault' => 'wrong_digest', 'path' => '/v3/bill/tradebill']);
try {
    $client->downloadBill('tradebill', "$dir/bill.csv", ['bill_date' => '2026-11-26']);
    check(false, 'a wrong digest throws');
} catch (VerifyException $e) {
    check($e->getVerifyFailure() === 'DIGEST_MISMATCH', 'DIGEST_MISMATCH');
}
$control(['fault' => 'truncated_body', 'path' => '/billdownload/']);
try {
    $client->downloadBill('tradebill', "$dir/bill.csv", ['bill_date' => '2026-11-26', 'tar_type' => 'GZIP']);
    check(false, 'a truncated download throws');
} catch (TransportException $e) {
    check(true, 'truncated: TransportException');
}
try {
    $client->download('https://evil.example/x?token=1', "$dir/bill.csv");
    check(false, 'another host is refused');
} catch (InvalidArgumentException $e) {
    check(str_contains($e->getMessage(), "refusing to send the merchant's signature"), $e->getMessage());
}
check(array_values(array_diff(scandir($dir), ['.', '..'])) === ['contract.pdf'], 'nothing left behind: ' . implode(',', scandir($dir)));
$d = $client->download('https://api.mch.weixin.qq.com/v3/billdownload/file?token=tradebill.2019-02-01', "$dir/bill.csv", ['sha1' => B1_SHA1]);
check($d['checked'] && $d['bytes'] === 14686, 'a download_url with its digest');
array_map('unlink', glob("$dir/*"));
rmdir($dir);

finish();
