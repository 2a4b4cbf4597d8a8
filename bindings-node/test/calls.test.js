'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const wxpay = require('..')
const { startSandbox, control } = require('./helpers')

const SEED = {
  base_uri: 'https://api.mch.weixin.qq.com/hk/',
  transaction_id: '1217752501201407033233368018',
  json: { mchid: '1230000109', sub_mchid: '1230000109', sp_mchid: '1230000109' },
}
const TEMPLATE = 'v3/transactions/id/{transaction_id}/close'
const SEED_TARGET = '/hk/v3/transactions/id/1217752501201407033233368018/close'
const SEED_BODY = '{"mchid":"1230000109","sub_mchid":"1230000109","sp_mchid":"1230000109"}'

let sb
let client
before(async () => {
  sb = await startSandbox()
  client = sb.client()
})
after(() => sb.stop())

test('the six seed variants (3 styles × async/sync) each give 204', async () => {
  await control(client, 'POST', 'reset')
  const responses = [
    await client.v3.transactions.id._transaction_id_.close.post(SEED),
    await client.chain(TEMPLATE).post(SEED),
    await client[TEMPLATE].post(SEED),
    client.v3.transactions.id._transaction_id_.close.postSync(SEED),
    client.chain(TEMPLATE).postSync(SEED),
    client[TEMPLATE].postSync(SEED),
  ]
  assert.deepEqual(responses.map((r) => r.status), [204, 204, 204, 204, 204, 204])
  for (const r of responses) {
    assert.ok(r instanceof wxpay.Response)
    assert.equal(r.body.length, 0)
    assert.equal(r.json(), null)
  }
  const log = await control(client, 'GET', 'requests')
  assert.deepEqual(
    log.map((e) => [e.method, e.target, e.body]),
    Array(6).fill(['POST', SEED_TARGET, SEED_BODY]),
  )
})

test('typed close helpers resolve with the 204 response', async () => {
  await control(client, 'POST', 'reset')
  const r = await client.closeTransaction('4200000001')
  assert.equal(r.status, 204)
  assert.equal(r.requestId.length, 32)
  assert.equal((await client.closeTransaction('4200000001', { endpoint: 'global', subMchid: '1900000109' })).status, 204)
  assert.equal(client.closeOutTradeNoSync('shop-7_a').status, 204)
  assert.equal((await client.closeOutTradeNo('shop-8', { endpoint: 'global' })).status, 204)
  assert.equal(client.closeTransactionSync('4200000002').status, 204)
  const targets = (await control(client, 'GET', 'requests')).map((e) => e.target)
  assert.deepEqual(targets, [
    '/hk/v3/transactions/id/4200000001/close',
    '/v3/global/transactions/id/4200000001/close',
    '/hk/v3/transactions/out-trade-no/shop-7_a/close',
    '/v3/global/transactions/out-trade-no/shop-8/close',
    '/hk/v3/transactions/id/4200000002/close',
  ])
  const log = await control(client, 'GET', 'requests')
  assert.equal(log[1].body, '{"sub_mchid":"1900000109","sp_mchid":"1230000109"}')
})

test('Response: status, headers, body, text(), json(), requestId', async () => {
  await control(client, 'POST', 'orders', { id: 'q-1', state: 'SUCCESS' })
  const r = await client['v3/global/transactions/id/{transaction_id}'].get({
    base_uri: 'https://apihk.mch.weixin.qq.com/',
    transaction_id: 'q-1',
    query: { mchid: '1230000109' },
  })
  assert.equal(r.status, 200)
  assert.deepEqual(r.json(), { mchid: '1230000109', transaction_id: 'q-1', trade_state: 'SUCCESS' })
  assert.ok(Buffer.isBuffer(r.body))
  assert.match(r.text(), /"trade_state":"SUCCESS"/)
  assert.equal(r.headers.get('Content-Type'), 'application/json')
  assert.equal(r.requestId, r.headers.get('request-id'))

  // A header received twice is one header with its values joined (the same rule everywhere).
  await control(client, 'POST', 'faults', { fault: 'repeated_header' })
  const again = await client[TEMPLATE].post(SEED)
  assert.equal(again.headers.get('X-Sandbox-Repeated'), 'one, two')
})

test('the chain is a Proxy whose templates come from the core', () => {
  assert.equal(client.v3.transactions.id._transaction_id_.close.template, TEMPLATE)
  assert.equal(client.v3.merchantService.complaintsV2.template, 'v3/merchant-service/complaints-v2')
  assert.equal(client[TEMPLATE].template, TEMPLATE)
  assert.equal(client.then, undefined, 'a client is not a thenable')
  assert.equal(client.v3.then, undefined, 'a chain is not a thenable')
})

test('1,000 concurrent calls from one client without blocking the event loop', async () => {
  await control(client, 'POST', 'reset')
  await control(client, 'POST', 'faults', { fault: 'delay', delay_ms: 300, count: 1000, path: 'many-' })
  let ticks = 0
  const timer = setInterval(() => ticks++, 10)
  const responses = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => client[TEMPLATE].post({ ...SEED, transaction_id: `many-${i}` })),
  )
  clearInterval(timer)
  assert.equal(responses.filter((r) => r.status === 204).length, 1000)
  assert.ok(ticks >= 5, `the timer kept ticking while 1,000 calls were in flight (${ticks} ticks)`)
  assert.equal((await control(client, 'GET', 'requests')).length, 1000)
})

test('fromConfig takes the core schema as an object or a file', async () => {
  const a = wxpay.Client.fromConfig(sb.configPath)
  assert.equal((await a[TEMPLATE].post(SEED)).status, 204)
  const b = wxpay.Client.fromConfig(sb.config)
  assert.equal(b.v3.transactions.id._transaction_id_.close.postSync(SEED).status, 204)
  const c = wxpay.Client.fromConfig(new URL(`file://${sb.configPath}`))
  assert.equal((await c.closeTransaction('url')).status, 204)
})

test('ESM import gives the same API', async () => {
  const esm = await import('../index.mjs')
  assert.equal(esm.Client, wxpay.Client)
  assert.equal(esm.default.ApiError, wxpay.ApiError)
  assert.equal(esm.version, wxpay.version)
})

test('an AbortSignal cancels the call, retries included', async () => {
  // Each attempt answers 500 after 600 ms and the client would retry three times; aborted
  // during attempt 1, the Promise rejects with the signal's reason at once and the sandbox
  // sees one attempt, not four.
  const retrying = sb.client({ retries: 3 })
  await control(client, 'POST', 'reset')
  await control(client, 'POST', 'faults', { fault: 'status', status: 500, delay_ms: 600, count: 10, path: 'cancel-me' })
  const controller = new AbortController()
  const call = retrying[TEMPLATE].post({ ...SEED, transaction_id: 'cancel-me', signal: controller.signal })
  await new Promise((resolve) => setTimeout(resolve, 200))
  controller.abort()
  await assert.rejects(call, (e) => e.name === 'AbortError') // the signal's reason, not a 500
  await new Promise((resolve) => setTimeout(resolve, 1300)) // attempt 2 would have arrived at ~700 ms
  const attempts = (await control(client, 'GET', 'requests')).filter((r) => r.target.includes('cancel-me'))
  await control(client, 'DELETE', 'faults')
  assert.equal(attempts.length, 1)

  // Closes take a signal too; an already aborted signal rejects without sending; Sync ignores it.
  const aborted = AbortSignal.abort(new Error('not now'))
  await assert.rejects(client.closeTransaction('never-sent', { signal: aborted }), /not now/)
  await assert.rejects(client.closeOutTradeNo('never-sent', { signal: aborted }), /not now/)
  assert.equal(client.closeTransactionSync('sync-ignores-it', { signal: aborted }).status, 204)
  assert.equal((await control(client, 'GET', 'requests')).filter((r) => r.target.includes('never-sent')).length, 0)
  await assert.rejects(client[TEMPLATE].post({ ...SEED, signal: 'stop' }), (e) => e instanceof wxpay.InvalidArgumentError && /AbortSignal/.test(e.message))
})

test('behind a proxy: through the sandbox\'s CONNECT proxy; a dead proxy is a TransportError', async () => {
  // The host resolves to a dead port, so only the proxy can reach it; TLS stays end to end.
  const proxied = sb.client({ proxy: sb.info.proxy, resolve: { 'api.mch.weixin.qq.com': '127.0.0.1:9' }, userAgent: 'node-proxy' })
  assert.equal((await proxied.closeTransaction('node-via-proxy')).status, 204)
  const secret = new URL(sb.info.proxy).password
  const dead = sb.client({ proxy: `http://u:${secret}@127.0.0.1:9`, userAgent: 'node-dead-proxy' })
  await assert.rejects(dead.closeTransaction('node-dead'), (e) => e instanceof wxpay.TransportError && e.mayHaveBeenSent === false && !e.message.includes(secret) && !JSON.stringify(e).includes(secret))
  assert.throws(() => sb.client({ proxy: 'socks5://127.0.0.1:1080' }), (e) => e instanceof wxpay.ConfigError && /SOCKS/.test(e.message))
})
