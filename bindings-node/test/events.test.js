'use strict'
// Events: client.on('request' | 'response' | 'retry' | 'call'), diagnostics_channel and
// NODE_DEBUG=wxpay, with the sandbox's Request-IDs; nothing secret in any of them.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const diagnostics = require('node:diagnostics_channel')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { startSandbox, control, FIXTURES } = require('./helpers')

let sb
before(async () => {
  sb = await startSandbox()
})
after(() => sb.stop())

function record(client) {
  const seen = []
  for (const kind of ['request', 'response', 'retry', 'call']) client.on(kind, (e) => seen.push([kind, e]))
  return seen
}

async function sandboxRequestIds(client, part) {
  return (await control(client, 'GET', 'requests?summary')).filter((r) => r.target.includes(part)).map((r) => r.request_id)
}

async function checkRetrySequence(client, seen, part) {
  const ids = await sandboxRequestIds(client, part)
  const mine = seen.filter(([, e]) => e.path.includes(part))
  assert.deepEqual(
    mine.map(([k, e]) => [k, e.attempt]),
    [['request', 1], ['response', 1], ['retry', 1], ['request', 2], ['response', 2], ['call', 2]],
  )
  const [, first] = mine[1]
  assert.equal(first.status, 503)
  assert.equal(first.outcome, 'API')
  assert.equal(first.apiCode, 'SERVICE_UNAVAILABLE')
  assert.equal(first.willRetry, true)
  assert.ok(first.retryInMs > 0)
  assert.equal(first.requestId, ids[0])
  assert.match(first.summary, /attempt 1: 503 API SERVICE_UNAVAILABLE in .* retrying in/)
  const [, second] = mine[4]
  assert.deepEqual([second.status, second.outcome, second.willRetry, second.requestId], [204, 'OK', false, ids[1]])
  const [, call] = mine[5]
  assert.deepEqual([call.kind, call.status, call.outcome, call.requestId], ['call', 204, 'OK', ids[1]])
  assert.ok(call.durationMs >= first.durationMs)
  assert.equal(new Set(mine.map(([, e]) => e.call)).size, 1)
}

test('a retried async call emits each attempt before its Promise resolves, with the sandbox Request-IDs', async () => {
  const client = sb.client({ retries: 2 })
  await control(client, 'POST', 'faults', { fault: 'status', status: 503, path: 'events-node-async', count: 1 })
  const seen = record(client)
  assert.equal((await client.closeTransaction('events-node-async')).status, 204)
  await checkRetrySequence(client, seen, 'events-node-async')
})

test('a *Sync call emits the same events before it returns', async () => {
  const client = sb.client({ retries: 2 })
  await control(client, 'POST', 'faults', { fault: 'status', status: 503, path: 'events-node-sync', count: 1 })
  const seen = record(client)
  client.closeTransactionSync('events-node-sync')
  assert.ok(seen.some(([k]) => k === 'call'), 'delivered before closeTransactionSync returned')
  await checkRetrySequence(client, seen, 'events-node-sync')
})

test('a failed call ends with its error; a throwing listener is a warning, not a failed call', async () => {
  const client = sb.client()
  await control(client, 'POST', 'faults', { fault: 'bad_signature', path: 'events-node-forged' })
  const seen = record(client)
  client.on('call', () => {
    throw new Error('listener bug')
  })
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    await assert.rejects(client.closeTransaction('events-node-forged'), (err) => {
      assert.equal(err.code, 'VERIFY')
      const call = seen.find(([k]) => k === 'call')[1]
      assert.deepEqual([call.outcome, call.status, call.requestId], ['VERIFY', 204, err.requestId])
      return true
    })
    await new Promise((r) => setImmediate(r))
    assert.ok(warnings.some((w) => w.name === 'WxpayListenerWarning' && /listener bug/.test(w.message)), String(warnings))
  } finally {
    process.off('warning', onWarning)
  }
})

test('diagnostics_channel subscribers get { client, event } without any listener on the client', async () => {
  const client = sb.client()
  const got = []
  const onCall = (m) => got.push(m)
  diagnostics.subscribe('wxpay:call', onCall)
  try {
    await client.closeTransaction('events-node-channel')
  } finally {
    diagnostics.unsubscribe('wxpay:call', onCall)
  }
  const mine = got.filter((m) => m.event.path.includes('events-node-channel'))
  assert.equal(mine.length, 1)
  assert.equal(mine[0].event.status, 204)
  assert.equal(mine[0].client.listenerCount('call'), 0)
})

test('no event holds a secret: key, APIv3 key, proxy password, body, signature', async () => {
  const client = sb.client({ retries: 1, proxy: sb.info.proxy })
  await control(client, 'POST', 'faults', { fault: 'status', status: 500, path: 'events-node-secret' })
  const seen = record(client)
  await client.request('POST', 'v3/transactions/id/{id}/close', { id: 'events-node-secret', json: { mchid: sb.config.mchid, note: 'BODY-MARKER-42' } })
  client.v3.transactions.id['events-node-secret'].close.postSync({ json: { mchid: sb.config.mchid } })
  const text = JSON.stringify(seen)
  assert.ok(text.includes('events-node-secret'))
  const key = fs.readFileSync(path.join(FIXTURES, 'merchant_key.pem'), 'utf8').split('\n')[1]
  const apiv3 = fs.readFileSync(path.join(FIXTURES, 'apiv3_key.txt'), 'utf8').trim()
  for (const secret of [key, apiv3, new URL(sb.info.proxy).password, 'BODY-MARKER-42', 'WECHATPAY2', sb.config.mchid]) {
    assert.ok(!text.includes(secret), secret)
  }
})

test('NODE_DEBUG=wxpay prints one line per event to stderr', () => {
  const script = `
    const { Client } = require(${JSON.stringify(path.resolve(__dirname, '..'))})
    new Client(${JSON.stringify(sb.clientOptions())}).closeTransactionSync('events-node-debug')
  `
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_DEBUG: 'wxpay' }, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stderr.split('\n').filter((l) => l.includes('events-node-debug'))
  assert.equal(lines.length, 3, r.stderr)
  assert.match(lines[0], /^WXPAY \d+: wxpay call \d+: POST \/hk\/v3\/transactions\/id\/events-node-debug\/close attempt 1 sent$/)
  assert.match(lines[2], /done: 204 OK in .* after 1 attempt, Request-ID [0-9A-F]{32}$/)
})
