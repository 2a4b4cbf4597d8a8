'use strict'
// Many merchants in one process: the client cache's capacity, and merchants behind one gateway
// sharing connections, each request still its own merchant's (mchid, serial, signature).
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const wxpay = require('..')
const { startSandbox, control, FIXTURES } = require('./helpers')

const MERCHANTS = Array.from({ length: 40 }, (_, i) => String(1900000300 + i))
const serial = (i) => (i + 1).toString(16).toUpperCase().padStart(40, '0')

let sb
let platform
before(async () => {
  sb = await startSandbox()
  platform = await startSandbox({ args: MERCHANTS.flatMap((m) => ['--merchant', `${m}=${path.join(FIXTURES, 'merchant_pub.pem')}`]) })
})
after(() => {
  sb.stop()
  platform.stop()
})

test('setClientCache checks its capacity', () => {
  for (const bad of [0, -1, 1.5, NaN, 2e6]) {
    assert.throws(() => wxpay.setClientCache(bad), (e) => e instanceof wxpay.InvalidArgumentError && /out of range/.test(e.message), String(bad))
  }
  assert.throws(() => wxpay.setClientCache('64'), (e) => e.code === 'INVALID_ARGUMENT' && /a number/.test(e.message))
})

test('clients evicted from a small cache keep working', async () => {
  try {
    wxpay.setClientCache(2)
    const clients = [0, 1, 2, 3].map((i) => sb.client({ userAgent: `cache-js-${i}` }))
    for (const c of clients) assert.equal((await c.closeTransaction('4200000000202612070000000002')).status, 204)
  } finally {
    wxpay.setClientCache(64)
  }
})

test('merchants behind one gateway share connections, each request its own merchant', async () => {
  const clients = MERCHANTS.map((m, i) => platform.client({ mchid: m, serial: serial(i) }))
  await clients[0].closeOutTradeNo('warm-up') // a warm pool, as a running platform has
  const base = (await control(clients[0], 'GET', 'stats')).connections
  await control(clients[0], 'POST', 'reset')
  const jobs = []
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < MERCHANTS.length; i++) jobs.push(clients[i].closeOutTradeNo(`N${round}-${i}`))
  }
  for (const r of await Promise.all(jobs)) assert.equal(r.status, 204)
  const used = (await control(clients[0], 'GET', 'stats')).connections - base
  assert.ok(used <= 2, `${used} connections for ${MERCHANTS.length} merchants`)
  const log = (await control(clients[0], 'GET', 'requests')).filter((r) => r.target.includes('/close'))
  assert.equal(log.length, 2 * MERCHANTS.length)
  for (const r of log) {
    const auth = Object.fromEntries(r.headers).authorization
    const mchid = /mchid="([^"]+)"/.exec(auth)[1]
    const i = MERCHANTS.indexOf(mchid)
    assert.ok(i >= 0, mchid)
    assert.equal(/serial_no="([^"]+)"/.exec(auth)[1], serial(i))
    assert.ok(r.body.includes(`"mchid":"${mchid}"`), r.body)
    assert.equal(r.status, 204)
  }
})
