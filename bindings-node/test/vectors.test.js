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

for (const k of verification.cases) {
  test(`verification vector ${k.name}`, () => {
    const run = () =>
      vectorClient().verify({ timestamp: k.timestamp, nonce: k.nonce, signature: k.signature, serial: k.serial, body: k.body, now: k.now })
    if (k.expect === 'ok') run()
    else assert.throws(run, (e) => e instanceof wxpay.VerifyError && e.verifyFailure === k.expect)
  })
}
