'use strict'
// The shared vectors: every language produces byte-identical requests.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const wxpay = require('..')
const { FIXTURES, VECTORS } = require('./helpers')

const signing = JSON.parse(fs.readFileSync(path.join(VECTORS, 'signing.json'), 'utf8'))
const verification = JSON.parse(fs.readFileSync(path.join(VECTORS, 'verification.json'), 'utf8'))

function vectorClient() {
  const c = signing.config
  return new wxpay.Client({
    mchid: c.mchid,
    serial: c.serial,
    privateKey: `file://${path.join(FIXTURES, 'merchant_key.pem')}`,
    certs: Object.fromEntries(Object.keys(c.certs).map((k) => [k, `file://${path.join(FIXTURES, 'platform_pub.pem')}`])),
  })
}

for (const v of signing.requests) {
  test(`signing vector ${v.name}`, () => {
    const c = vectorClient()
    const p = c.prepare(v.method, v.template, v.options, { timestamp: v.timestamp, nonce: v.nonce })
    assert.equal(p.url, v.url)
    assert.equal(p.canonical_url, v.canonical_url)
    assert.equal(p.body, v.body)
    assert.equal(p.authorization, v.authorization)
    assert.equal(c.sign(v.method, v.url, v.body, { timestamp: v.timestamp, nonce: v.nonce }), v.authorization)
  })
}

for (const v of signing.calls) {
  test(`call vector ${v.name}`, () => {
    const p = vectorClient().prepareCall(v.call, v.args, { timestamp: v.timestamp, nonce: v.nonce })
    assert.deepEqual([p.method, p.url, p.canonical_url], [v.method, v.url, v.canonical_url])
    assert.equal(p.body, v.body)
    assert.equal(p.authorization, v.authorization)
  })
}

const SNAKE = { appId: 'appid', prepayId: 'prepay_id', timeStamp: 'timestamp', nonceStr: 'nonce', partnerId: 'partnerid' }

for (const v of signing.pay_params) {
  test(`pay parameter vector ${v.name}`, () => {
    const a = Object.fromEntries(Object.entries(v.args).map(([k, x]) => [SNAKE[k] ?? k, x]))
    const c = vectorClient()
    const opts = { appid: a.appid, partnerid: a.partnerid, timestamp: Number(a.timestamp), nonce: a.nonce }
    const got = v.kind === 'app' ? c.appPayParams(a.prepay_id, opts) : c.jsapiPayParams(a.prepay_id, opts)
    // openssl's signature, and the exact object the front end takes (keys and their order).
    assert.equal(JSON.stringify(got), JSON.stringify(v.expect))
  })
}

test('pay parameters default to now and a fresh nonce, and verify with the merchant key', () => {
  const c = vectorClient()
  const a = c.jsapiPayParams('wx2', { appid: 'wx1' })
  const b = c.jsapiPayParams('wx2', { appid: 'wx1' })
  assert.notEqual(a.nonceStr, b.nonceStr)
  assert.equal(a.package, 'prepay_id=wx2')
  assert.ok(Math.abs(Number(a.timeStamp) - Date.now() / 1000) < 600)
  const pub = fs.readFileSync(path.join(FIXTURES, 'merchant_pub.pem'))
  const ok = require('node:crypto').verify('sha256', Buffer.from(`wx1\n${a.timeStamp}\n${a.nonceStr}\nprepay_id=wx2\n`), pub, Buffer.from(a.paySign, 'base64'))
  assert.ok(ok)
})

test('bad pay parameters name the argument', () => {
  const c = vectorClient()
  for (const [f, id, opts, argument] of [
    ['jsapiPayParams', 'a\nb', { appid: 'wx1' }, 'prepay_id'],
    ['jsapiPayParams', 'prepay_id=wx2', { appid: 'wx1' }, 'prepay_id'],
    ['jsapiPayParams', 'wx2', {}, 'appid'],
    ['appPayParams', 'wx2', { appid: 'wx1', partnerid: '12ab' }, 'partnerid'],
    ['appPayParams', 'wx2', { appid: 'wx1', timestamp: 1.5 }, 'timestamp'],
  ]) {
    assert.throws(() => c[f](id, opts), (e) => e instanceof wxpay.InvalidArgumentError && e.argument === argument && e.code === 'INVALID_ARGUMENT')
  }
})

for (const k of verification.cases) {
  test(`verification vector ${k.name}`, () => {
    const run = () =>
      vectorClient().verify({ timestamp: k.timestamp, nonce: k.nonce, signature: k.signature, serial: k.serial, body: k.body, now: k.now })
    if (k.expect === 'ok') run()
    else assert.throws(run, (e) => e instanceof wxpay.VerifyError && e.verifyFailure === k.expect)
  })
}

const NOTIFICATIONS = JSON.parse(fs.readFileSync(path.join(VECTORS, 'notifications.json'), 'utf8')).cases
for (const c of NOTIFICATIONS) {
  test(`notification vector ${c.name}`, () => {
    const client = new wxpay.Client({
      mchid: '1230000109',
      serial: '3775B6A45ACD588826D15E583A95F5DD00000001',
      privateKey: fs.readFileSync(path.join(FIXTURES, 'merchant_key.pem')),
      certs: c.certs,
      apiv3Key: c.apiv3_key,
    })
    const body = Buffer.from(c.body, 'utf8')
    const e = c.expect
    if (e.code === null) {
      const n = client.parseNotification(c.headers, body, { now: c.now })
      const want = e.notification
      assert.deepEqual(n, {
        id: want.id, createTime: want.create_time, eventType: want.event_type, resourceType: want.resource_type,
        summary: want.summary, originalType: want.original_type, resource: want.resource,
      })
    } else {
      assert.throws(() => client.parseNotification(c.headers, body, { now: c.now }), (err) => err.code === e.code && err.message.includes(e.mentions))
    }
    if (e.signature === 'valid') {
      const h = Object.fromEntries(c.headers)
      client.verify({ timestamp: h['Wechatpay-Timestamp'], nonce: h['Wechatpay-Nonce'], signature: h['Wechatpay-Signature'], serial: h['Wechatpay-Serial'], body, now: c.now })
    }
  })
}
