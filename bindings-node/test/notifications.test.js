'use strict'
// Notifications and sensitive fields: the shared cases (tests/reliability/notifications.json),
// a real `http` server the sandbox delivers to, and bad input.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const wxpay = require('..')
const { startSandbox, control } = require('./helpers')

const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/reliability/notifications.json'), 'utf8')).cases

let sb
let client
before(async () => {
  sb = await startSandbox()
  client = sb.client()
})
after(() => sb.stop())

const mint = (event, fault) => control(client, 'POST', 'notifications', { event, fault })

for (const c of CASES) {
  test(`shared notification case: ${c.name}`, async () => {
    const minted = await mint(c.event, c.fault)
    const body = Buffer.from(minted.body, 'utf8')
    const e = c.expect
    if (e.code === null) {
      const n = client.parseNotification(minted.headers, body)
      assert.equal(n.eventType, e.event_type)
      assert.equal(n.id, minted.id)
      assert.equal(n.resource.mchid, '1230000109')
      assert.deepEqual(wxpay.notificationAnswer(), { status: 204, headers: {}, body: '' })
    } else {
      let err
      assert.throws(() => client.parseNotification(minted.headers, body), (x) => (err = x) instanceof wxpay.WxpayError)
      assert.equal(err.code, e.code, err.message)
      assert.equal(err.verifyFailure, e.verify_failure, err.message)
      if (e.mentions) assert.ok(err.message.includes(e.mentions), err.message)
      const a = wxpay.notificationAnswer(err)
      assert.equal(a.status, e.answer_status)
      assert.equal(a.headers['Content-Type'], 'application/json')
      assert.equal(JSON.parse(a.body).code, 'FAIL')
    }
  })
}

test('header shapes, raw body only, bad input', async () => {
  const minted = await mint('refund', null)
  const body = Buffer.from(minted.body, 'utf8')
  const obj = Object.fromEntries(minted.headers.map(([k, v]) => [k.toLowerCase(), v]))
  assert.equal(client.parseNotification(obj, body).originalType, 'refund')
  assert.equal(client.parseNotification(new Headers(minted.headers), new Uint8Array(body)).eventType, 'REFUND.SUCCESS')
  assert.equal(client.parseNotification(minted.headers.flat(), minted.body).summary, '退款成功')
  assert.throws(() => client.parseNotification(obj, JSON.parse(minted.body)), (e) => e instanceof wxpay.InvalidArgumentError && /express\.raw/.test(e.message))
  assert.throws(() => client.parseNotification(null, body), wxpay.InvalidArgumentError)
  assert.throws(() => client.parseNotification({ a: { b: 1 } }, body), wxpay.InvalidArgumentError)
  assert.throws(() => client.parseNotification(obj, Buffer.from(JSON.stringify(JSON.parse(minted.body), null, 2))), (e) => e.verifyFailure === 'BAD_SIGNATURE')
  assert.throws(() => client.parseNotification(obj, Buffer.alloc(1024 * 1024 + 1, 32)), (e) => e instanceof wxpay.DecodeError)
  assert.throws(() => client.parseNotification(obj, body, { now: 1e9 }), (e) => e.verifyFailure === 'TIMESTAMP_SKEW')
  const keyless = wxpay.Client.fromConfig({ ...sb.config, apiv3_key: undefined })
  assert.throws(() => keyless.parseNotification(obj, body), (e) => e instanceof wxpay.ConfigError && /apiv3_key/.test(e.message))
  assert.throws(() => sb.client({ apiv3Key: 'short-secret' }), (e) => e instanceof wxpay.ConfigError && /32 characters/.test(e.message) && !/short-secret/.test(e.message))
})

test('the sandbox delivers to an http server: a probe (401), then the notification (204)', async () => {
  const seen = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      let answer
      try {
        const n = client.parseNotification(req.headers, Buffer.concat(chunks))
        seen.push(`${n.eventType} ${n.resource.out_trade_no}`)
        answer = wxpay.notificationAnswer()
      } catch (e) {
        seen.push(e.verifyFailure || e.code)
        answer = wxpay.notificationAnswer(e)
      }
      res.writeHead(answer.status, answer.headers).end(answer.body)
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  try {
    const url = `http://127.0.0.1:${server.address().port}/wxpay/notify`
    const r = await control(client, 'POST', 'notify', { url, event: 'payment', fault: 'signtest' })
    assert.equal(r.delivered, true, JSON.stringify(r))
    assert.deepEqual(r.deliveries.map((d) => d.status), [401, 204])
    assert.equal(seen[0], 'SIGNTEST')
    assert.match(seen[1], /^TRANSACTION\.SUCCESS sandbox-/)
  } finally {
    server.close()
  }
})

test('sensitive fields: encryptField, the encrypt option, decryptField errors', () => {
  const f = client.encryptField('张三')
  assert.equal(f.serial, sb.info.platform_serial)
  assert.equal(f.ciphertext.length, 344)
  client.encryptField('a'.repeat(214))
  assert.throws(() => client.encryptField('b'.repeat(215)), (e) => e instanceof wxpay.InvalidArgumentError && /214/.test(e.message) && !/bbbb/.test(e.message))
  assert.throws(() => client.decryptField(f.ciphertext), wxpay.DecodeError)
  assert.throws(() => client.encryptField(5), wxpay.InvalidArgumentError)
  const p = client.prepare('POST', 'v3/x', { json: { name: '张三', n: 1 }, encrypt: ['/name'] })
  assert.equal(Object.fromEntries(p.headers)['Wechatpay-Serial'], f.serial)
  assert.equal(JSON.parse(p.body).name.length, 344)
})

test('securityEcho: sync, async, its encrypted echo decrypts with decryptField, bad input', async () => {
  const a = await client.securityEcho('hello 你好')
  assert.equal(a.echo_message, 'hello 你好')
  assert.equal(client.decryptField(a.encrypted_echo_message), 'hello 你好')
  assert.equal(client.securityEchoSync('sync').echo_message, 'sync')
  await assert.rejects(client.securityEcho(''), wxpay.InvalidArgumentError)
  await assert.rejects(client.securityEcho(5), wxpay.InvalidArgumentError)
})
