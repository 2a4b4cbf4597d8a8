<?php
/*
 * Platform certificates through the PHP package: a client with only the APIv3 key (no certs)
 * downloads them, survives a rotation under 64 concurrent async calls and the switch to the
 * public key, lists its keys, and says why a download failed. The sandbox's mode is put back
 * afterwards. Prints "N passed, M failed" last.
 */
declare(strict_types=1);

require __DIR__ . '/helpers.php';

use GuzzleHttp\Promise\Utils;
use Wxpay\Exception\ConfigException;
use Wxpay\Exception\DecodeException;

$admin = new Wxpay\Client(sandbox_factory_config());
check_driver($admin);
$control = static function (string $method, string $path, ?array $json = null) use ($admin): mixed {
    $options = ['base_uri' => 'https://api.mch.weixin.qq.com/_sandbox/'];
    if ($json !== null) {
        $options['json'] = $json;
    }
    return json_decode((string) $admin->request($method, $path, $options)->getBody(), true);
};
/** A client of its own with only the APIv3 key (the user agent keeps it apart from shared ones). */
$auto = static function (string $name, array $extra = []): Wxpay\Client {
    $config = ['auto_certificates' => true, 'user_agent' => "php-$name"] + $extra + sandbox_factory_config();
    unset($config['certs']);
    return new Wxpay\Client($config);
};

$control('POST', 'certificates', ['mode' => 'certificate']);
// The sandbox is shared by both drivers' runs: counts are taken relative to now.
$downloadsBefore = null;
$listedBefore = $control('GET', 'certificates')['serials'];
sort($listedBefore);
try {
    // Only mchid, serial, private key and the APIv3 key: certificates are downloaded.
    $minimal = ['user_agent' => 'php-minimal'] + sandbox_factory_config();
    unset($minimal['certs']);
    $minimal = new Wxpay\Client($minimal);
    check($minimal->closeTransaction('php-minimal')->getStatusCode() === 204, 'a client with only the APIv3 key closes an order');
    check($minimal->certificates()['auto_certificates'] === true, 'auto_certificates is implied');
    $client = $auto('rotation');
    $downloadsBefore = $control('GET', 'certificates')['downloads'];
    check($client->certificates()['keys'] === [], 'no key before the first call');
    $client->closeTransaction('php-auto-1');
    $keys = $client->certificates()['keys'];
    check(array_column($keys, 'id') === $listedBefore && array_unique(array_column($keys, 'source')) === ['downloaded'], 'downloaded on first use: ' . json_encode($keys));
    $rotated = $control('POST', 'certificates', ['action' => 'rotate']);
    $fresh = end($rotated['serials']);
    $promises = [];
    for ($i = 0; $i < 64; $i++) {
        $promises[] = $client->closeTransactionAsync("php-rot-$i");
    }
    $statuses = array_map(static fn ($r) => $r->getStatusCode(), Utils::all($promises)->wait());
    check($statuses === array_fill(0, 64, 204), '64 calls during a rotation all succeed');
    check(in_array($fresh, array_column($client->certificates()['keys'], 'id'), true), 'the new certificate is listed');
    check($client->encryptField('x')['serial'] === $fresh, 'fields are encrypted with the newest certificate');
    check($control('GET', 'certificates')['downloads'] === $downloadsBefore + 2, 'one download on first use, one for the rotation');
} finally {
    $control('POST', 'certificates', ['mode' => 'public_key_only']);
}
try {
    $migrating = new Wxpay\Client(['auto_certificates' => true, 'user_agent' => 'php-migrating'] + sandbox_factory_config());
    $migrating->closeTransaction('php-switched');
    check($migrating->certificates()['last_download']['public_key_only'] === true, '404 with a public key: public key only');
    try {
        $auto('no-key')->closeTransaction('php-no-key');
        check(false, '404 without a public key');
    } catch (ConfigException $e) {
        check(str_contains($e->getMessage(), 'RESOURCE_NOT_EXISTS'), '404 without a public key says what to configure');
    }
} finally {
    $control('POST', 'certificates', ['mode' => 'certificate']);
}
try {
    $wrong = $auto('wrong-key', ['apiv3_key' => '0123456789abcdef0123456789ABCDEF']);
    try {
        $wrong->closeTransaction('php-wrong');
        check(false, 'wrong APIv3 key');
    } catch (DecodeException $e) {
        check(str_contains($e->getMessage(), 'wrong APIv3 key'), 'wrong APIv3 key: DECODE');
    }
    check(str_contains((string) $wrong->certificates()['last_download']['error'], 'wrong APIv3 key'), 'the failure is on record');
} finally {
    $control('POST', 'certificates', ['mode' => 'public_key']);
}
finish();
