<?php
/*
 * The six calls of the PHP SDK's documentation for "关闭订单(微信支付订单号)" on the Hong Kong
 * endpoint, copied verbatim: async chain, async declarative, async index, sync chain, sync
 * declarative, sync index. `$instance` is a `Wxpay\Builder::factory([...])` instance (see
 * close_order.php). Each call prints `1` (true: the answer was 204 No Content).
 */

// 异步纯链式
$instance->v3->transactions->id->_transaction_id_->close->postAsync([
  'base_uri' => 'https://api.mch.weixin.qq.com/hk/', // 接入点(国内接入)
  'transaction_id' => '1217752501201407033233368018',
  'json' => [
    'mchid'     => '1230000109',
    'sub_mchid' => '1230000109',
    'sp_mchid'  => '1230000109',
  ],
])
->then(static function(\Psr\Http\Message\ResponseInterface $response) {
  print_r($response->getStatusCode() === 204);
})
->wait();

// 异步声明式
$instance->chain('v3/transactions/id/{transaction_id}/close')->postAsync([
  'base_uri' => 'https://api.mch.weixin.qq.com/hk/', // 接入点(国内接入)
  'transaction_id' => '1217752501201407033233368018',
  'json' => [
    'mchid'     => '1230000109',
    'sub_mchid' => '1230000109',
    'sp_mchid'  => '1230000109',
  ],
])
->then(static function(\Psr\Http\Message\ResponseInterface $response) {
  print_r($response->getStatusCode() === 204);
})
->wait();

// 异步属性式
$instance['v3/transactions/id/{transaction_id}/close']->postAsync([
  'base_uri' => 'https://api.mch.weixin.qq.com/hk/', // 接入点(国内接入)
  'transaction_id' => '1217752501201407033233368018',
  'json' => [
    'mchid'     => '1230000109',
    'sub_mchid' => '1230000109',
    'sp_mchid'  => '1230000109',
  ],
])
->then(static function(\Psr\Http\Message\ResponseInterface $response) {
  print_r($response->getStatusCode() === 204);
})
->wait();

// 同步纯链式
$response = $instance->v3->transactions->id->_transaction_id_->close->post([
  'base_uri' => 'https://api.mch.weixin.qq.com/hk/', // 接入点(国内接入)
  'transaction_id' => '1217752501201407033233368018',
  'json' => [
    'mchid'     => '1230000109',
    'sub_mchid' => '1230000109',
    'sp_mchid'  => '1230000109',
  ],
]);
print_r($response->getStatusCode() === 204);

// 同步声明式
$response = $instance->chain('v3/transactions/id/{transaction_id}/close')->post([
  'base_uri' => 'https://api.mch.weixin.qq.com/hk/', // 接入点(国内接入)
  'transaction_id' => '1217752501201407033233368018',
  'json' => [
    'mchid'     => '1230000109',
    'sub_mchid' => '1230000109',
    'sp_mchid'  => '1230000109',
  ],
]);
print_r($response->getStatusCode() === 204);

// 同步属性式
$response = $instance['v3/transactions/id/{transaction_id}/close']->post([
  'base_uri' => 'https://api.mch.weixin.qq.com/hk/', // 接入点(国内接入)
  'transaction_id' => '1217752501201407033233368018',
  'json' => [
    'mchid'     => '1230000109',
    'sub_mchid' => '1230000109',
    'sp_mchid'  => '1230000109',
  ],
]);
print_r($response->getStatusCode() === 204);
