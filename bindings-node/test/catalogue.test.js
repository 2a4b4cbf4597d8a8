// The typed calls installed from the core's catalogue, and the generic entry under them,
// against the sandbox over TLS.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const wxpay = require('..')
const { startSandbox, control } = require('./helpers')

let sb, client
test.before(async () => {
  sb = await startSandbox()
  client = sb.client()
})
test.after(() => sb?.stop())

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

test('every call of the catalogue is a method with a *Sync twin, and typed in calls.d.ts', () => {
  const typings = require('node:fs').readFileSync(require('node:path').join(__dirname, '..', 'calls.d.ts'), 'utf8')
  const calls = wxpay.catalogue().calls
  assert.ok(calls.some((c) => c.name === 'query_out_trade_no'))
  for (const c of calls) {
    if (c.builder === 'upload') continue
    assert.equal(typeof client[camel(c.name)], 'function', c.name)
    assert.equal(typeof client[`${camel(c.name)}Sync`], 'function', c.name)
    assert.ok(typings.includes(`  ${camel(c.name)}(`), `${c.name} is typed`)
  }
})

test('close then query: a typed Transaction with camelCase fields, async and sync', async () => {
  await control(client, 'POST', 'reset')
  const r = await client.closeOutTradeNo('shop-node-1')
  assert.ok(r instanceof wxpay.Response)
  assert.equal(r.status, 204)
  const t = await client.queryOutTradeNo('shop-node-1')
  assert.equal(t.tradeState, 'CLOSED')
  assert.equal(t.status, 200)
  assert.equal(t.raw.trade_state, 'CLOSED')
  assert.ok(t.requestId)
  client.closeTransactionSync('4200000000000000000000000000902', { endpoint: 'global' })
  const s = client.queryTransactionSync('4200000000000000000000000000902', { endpoint: 'global' })
  assert.equal(s.tradeState, 'CLOSED')
  // HK and Global name the order id `id` in their answers (the sandbox's answer here does not)
  assert.equal(s.transactionId, s.raw.id ?? null)
})

test('the generic entry takes any call by name and gives the core result', async () => {
  await control(client, 'POST', 'reset')
  const closed = await client.call('close_out_trade_no', { outTradeNo: 'shop-node-2' })
  assert.equal(closed.status, 204)
  const q = client.callSync('query_out_trade_no', { out_trade_no: 'shop-node-2' })
  assert.equal(q.trade_state, 'CLOSED')
  const p = client.prepareCall('close_transaction', { transaction_id: '42' }, { timestamp: 1700000000, nonce: 'n1' })
  assert.equal(p.method, 'POST')
  assert.match(p.url, /\/hk\/v3\/transactions\/id\/42\/close$/)
  assert.deepEqual(client.prepareCall('close_transaction', { transaction_id: '42' }, { timestamp: 1700000000, nonce: 'n1' }), p)
})

test('bad arguments reject with InvalidArgumentError naming the argument; nothing is sent', async () => {
  const cases = [
    [() => client.queryOutTradeNo('a/b'), 'out_trade_no', /'\/'/],
    [() => client.call('query_out_trade_no', {}), 'out_trade_no', /out_trade_no/],
    [() => client.closeTransaction('1', { endpoint: 'mainland' }), 'endpoint', /endpoint/],
    [() => client.queryTransaction('1', { transactionId: '2' }), null, /once/],
    [() => client.call('no_such_call'), null, /query_out_trade_no/],
    [() => client.call('query_out_trade_no', ['x']), null, /must be an object/],
    [() => client.queryOutTradeNo('shop-1', 'x'), null, /must be an object/],
  ]
  for (const [call, argument, pattern] of cases) {
    await assert.rejects(call, (e) => {
      assert.ok(e instanceof wxpay.InvalidArgumentError, String(e))
      assert.equal(e.mayHaveBeenSent, false)
      assert.match(e.message, pattern)
      if (argument) assert.equal(e.argument, argument)
      return true
    })
  }
  assert.throws(() => client.queryOutTradeNoSync(''), (e) => e.argument === 'out_trade_no')
})

test('an AbortSignal ends a typed call', async () => {
  await control(client, 'POST', 'faults', { fault: 'delay', delay_ms: 2000, path: 'shop-node-3' })
  const ac = new AbortController()
  const p = client.queryOutTradeNo('shop-node-3', { signal: ac.signal })
  setTimeout(() => ac.abort(new Error('stop')), 50)
  await assert.rejects(p, /stop/)
  await control(client, 'POST', 'reset')
})
