'use strict'
// Bench client: the peer `wechatpay-node-v3` (npm), `pay.close(out_trade_no)` on the domestic
// endpoint, from BENCH_C async workers.
//
// Configured as its README shows: one `WxPay` instance with the merchant certificate (for its
// serial) and private key. Its README passes the key as a PEM Buffer, which it re-parses on every
// signature; to parse it once we pass a KeyObject (crypto.createPrivateKey), which its
// crypto.sign call accepts. Note: its close() does not verify the response signature (it has a
// separate verifySign()), so it does one RSA operation per call fewer than the other clients.
//
// Redirect: its URLs are hard-coded to https://api.mch.weixin.qq.com, so this script wraps
// https.request (used by its HTTP library, superagent) to connect to the sandbox (BENCH_URL's
// host and port) for that host name, keeping it as the TLS server name; bench/run.py trusts the
// sandbox CA with NODE_EXTRA_CA_CERTS. See bench/README.md.
const crypto = require('crypto')
const { readFileSync } = require('fs')
const https = require('https')
const path = require('path')
const WxPay = require('wechatpay-node-v3')
const harness = require('./harness')

const sandbox = new URL(process.env.BENCH_URL)
const request = https.request
https.request = function redirected(options, ...rest) {
  if (options && typeof options === 'object' && !(options instanceof URL)
    && (options.hostname || options.host) === 'api.mch.weixin.qq.com') {
    options = {
      ...options, host: sandbox.hostname, hostname: sandbox.hostname, port: sandbox.port,
      servername: 'api.mch.weixin.qq.com',
    }
  }
  return request.call(this, options, ...rest)
}

const fixture = (name) => readFileSync(path.join(__dirname, '../../tests/fixtures', name))

const pay = new WxPay({
  appid: 'wxd678efh567hg6787',
  mchid: '1230000109',
  publicKey: fixture('merchant_cert.pem'),
  privateKey: crypto.createPrivateKey(fixture('merchant_key.pem')), // TEST-ONLY key
})

harness.run(async () => {
  const r = await pay.close('1217752501201407033233368018')
  if (r.status !== 204) throw new Error(`close call answered ${r.status}, not 204: ${JSON.stringify(r)}`)
})
