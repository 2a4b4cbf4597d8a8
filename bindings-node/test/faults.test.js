'use strict'
// The shared fault matrix (tests/reliability/faults.json), run through the Node package.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const wxpay = require('..')
const { startSandbox, control, ROOT } = require('./helpers')

const spec = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'reliability', 'faults.json'), 'utf8'))

let sb
let normal
before(async () => {
  sb = await startSandbox()
  normal = sb.client()
})
after(() => sb.stop())

function variant(kind, host, timeoutMs) {
  const options = sb.clientOptions({ timeoutMs, retries: spec.retries })
  options.resolve = { ...options.resolve }
  if (host) options.resolve[host] = sb.info.addr
  if (kind === 'dead_port') options.resolve['api.mch.weixin.qq.com'] = '127.0.0.1:9'
  if (kind === 'no_ca') delete options.caCerts
  return new wxpay.Client(options)
}

// A case with `repeat` runs that many times (the hostile servers: 20 of 20 must end on time).
const runs = spec.cases.flatMap((c) => Array.from({ length: c.repeat ?? 1 }, (_, i) => [c, i]))
for (const [c, run] of runs) {
  test(`fault matrix: ${c.name}${c.repeat ? ` (run ${run + 1} of ${c.repeat})` : ''}`, async () => {
    const { expect } = c
    await control(normal, 'POST', 'reset')
    if (c.fault) await control(normal, 'POST', 'faults', { ...c.fault, path: '/close' })
    const client = variant(c.client, c.host, c.timeout_ms ?? spec.timeout_ms)
    const baseUri = c.host ? `https://${c.host}/hk/` : undefined
    const started = performance.now()
    const error = await client.closeTransaction(`fault-${c.name}`, { baseUri }).then(() => null, (e) => e)
    const elapsed = performance.now() - started
    assert.ok(elapsed <= c.max_ms, `took ${Math.round(elapsed)} ms`)
    if (expect.code === null) {
      assert.equal(error, null)
    } else {
      assert.ok(error instanceof wxpay.WxpayError, String(error))
      assert.equal(error.code, expect.code)
      assert.equal(error.mayHaveBeenSent, expect.may_have_been_sent)
      assert.equal(error.status, expect.status)
      assert.equal(error.apiCode, expect.api_code)
      assert.equal(error.verifyFailure, expect.verify_failure)
    }
    const attempts = (await control(normal, 'GET', 'requests')).filter((r) => r.target.includes(`/fault-${c.name}/`))
    assert.equal(attempts.length, expect.attempts)
    await control(normal, 'DELETE', 'faults')
    await (c.client === 'normal' ? client : normal).closeTransaction(`after-${c.name}`)
  })
}

test('every fault matrix case is well formed', () => {
  const names = spec.cases.map((c) => c.name)
  assert.ok(names.length > 0 && new Set(names).size === names.length, 'cases need unique names')
  for (const c of spec.cases) {
    for (const key of ['name', 'fault', 'client', 'max_ms', 'expect']) assert.ok(key in c, `${c.name}: ${key}`)
  }
})

test('the hostile servers end by the deadline from the *Sync methods too', async () => {
  // The matrix runs Promises; a *Sync call does its I/O on the caller's thread (its own
  // current-thread runtime), where only the budgeted reads let the timer run.
  const hostile = spec.cases.filter((c) => c.host && c.repeat)
  assert.ok(hostile.length > 0)
  for (const c of hostile) {
    const client = variant('normal', c.host, c.timeout_ms)
    for (let i = 0; i < 3; i++) {
      const started = performance.now()
      assert.throws(() => client.closeTransactionSync(`sync-${hostile.indexOf(c)}-${i}`, { baseUri: `https://${c.host}/hk/` }),
        (e) => e instanceof wxpay.WxpayError && e.code === c.expect.code && e.mayHaveBeenSent === true, c.name)
      const took = performance.now() - started
      assert.ok(took <= c.timeout_ms + 100, `${c.name}: took ${Math.round(took)} ms`)
    }
  }
  assert.equal(normal.closeTransactionSync('after-sync-hostile').status, 204)
})
