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
