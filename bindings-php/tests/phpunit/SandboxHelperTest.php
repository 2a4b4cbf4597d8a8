<?php
/*
 * Wxpay\Testing\Sandbox the way a merchant's PHPUnit suite uses it: started once per test class,
 * a fresh state per test, a client and pay() in the tests. Run by tests/run.sh on both drivers
 * (`php [-d extension=wxpay.so] /usr/bin/phpunit --bootstrap bindings-php/autoload.php …`).
 */
declare(strict_types=1);

use PHPUnit\Framework\TestCase;
use Wxpay\Exception\ApiException;
use Wxpay\Testing\Sandbox;

final class SandboxHelperTest extends TestCase
{
    private static Sandbox $sandbox;

    public static function setUpBeforeClass(): void
    {
        self::$sandbox = Sandbox::start();
    }

    public static function tearDownAfterClass(): void
    {
        self::$sandbox->stop();
    }

    protected function setUp(): void
    {
        self::$sandbox->reset();
    }

    private function client(): Wxpay\Client
    {
        $driver = getenv('WXPAY_DRIVER');
        $client = self::$sandbox->client($driver ? ['driver' => $driver] : []);
        $this->assertSame($driver ?: $client->driver(), $client->driver());
        return $client;
    }

    public function testAPaidOrderIsSuccess(): void
    {
        $client = $this->client();
        $client->createNative(['out_trade_no' => 'unit-1', 'description' => 'Tea', 'amount' => 100,
            'appid' => 'wxd678efh567hg6787', 'notify_url' => 'http://127.0.0.1:9/notify', 'endpoint' => 'mainland']);
        $paid = self::$sandbox->pay('unit-1');
        $order = $client->queryOutTradeNo('unit-1', ['endpoint' => 'mainland']);
        $this->assertSame('SUCCESS', $order['trade_state']);
        $this->assertSame($paid['transaction_id'], $order['transaction_id']);
    }

    public function testEachTestStartsFromAnEmptySandbox(): void
    {
        // unit-1 was created by the other test; reset() in setUp() forgot it.
        $this->expectException(ApiException::class);
        $this->client()->queryOutTradeNo('unit-1', ['endpoint' => 'mainland']);
    }

    public function testTheChainStyleReachesTheSandboxToo(): void
    {
        $instance = self::$sandbox->factory(getenv('WXPAY_DRIVER') ? ['driver' => getenv('WXPAY_DRIVER')] : []);
        $r = $instance->chain('v3/pay/transactions/native')->post(['json' => ['appid' => 'wxd678efh567hg6787',
            'mchid' => self::$sandbox->mchid, 'out_trade_no' => 'unit-2', 'description' => 'Tea',
            'notify_url' => 'http://127.0.0.1:9/notify', 'amount' => ['total' => 1, 'currency' => 'CNY']]]);
        $this->assertSame(200, $r->getStatusCode());
        $this->assertStringStartsWith('weixin://', json_decode((string) $r->getBody(), true)['code_url']);
    }
}
