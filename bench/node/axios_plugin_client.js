'use strict'
// Bench client: the peer `wechatpay-axios-plugin` (npm), closing an order by out_trade_no on
// the domestic endpoint, in the chain style of its README, from BENCH_C async workers.
//
// Configured as its README recommends for the WeChat Pay public-key mode: one `Wechatpay`
// instance, merchant key and platform public key given as PEM text (it parses both once, into
// KeyObjects). Redirect: its documented axios option `baseURL` points at the sandbox
// (BENCH_URL); bench/run.py trusts the sandbox CA with NODE_EXTRA_CA_CERTS. See bench/README.md.
const { readFileSync } = require('fs')
const path = require('path')
const { Wechatpay } = require('wechatpay-axios-plugin')
const harness = require('./harness')

const fixture = (name) => readFileSync(path.join(__dirname, '../../tests/fixtures', name), 'utf8')

const wxpay = new Wechatpay({
  mchid: '1230000109',
  serial: '3775B6A45ACD588826D15E583A95F5DD00000001',
  privateKey: fixture('merchant_key.pem'), // TEST-ONLY key (tests/fixtures/README.md)
  certs: { PUB_KEY_ID_0112300001092026112600000000000001: fixture('platform_pub.pem') },
  baseURL: process.env.BENCH_URL,
})

harness.run(async () => {
  const r = await wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.close.post(
    { mchid: '1230000109' },
    { out_trade_no: '1217752501201407033233368018' },
  )
  if (r.status !== 204) throw new Error(`close call answered ${r.status}, not 204`)
})
