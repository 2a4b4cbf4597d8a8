'use strict'
// The payment day from Node against the stateful sandbox, started by the shipped helper
// (`wxpay/testing`, `wxpay sandbox` underneath): create, pay parameters, the payer pays, the
// notification verified by a real HTTP handler, query, close, refund, refund notification,
// code pay — Promises and Sync, mainland and HK.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const path = require('node:path')

process.env.WXPAY_CLI ||= path.join(process.env.CARGO_TARGET_DIR || path.resolve(__dirname, '..', '..', 'target'), 'debug', 'wxpay')
// The package's own name, as a merchant writes it (self-reference through package.json exports).
const { startSandbox, SandboxError } = require('wxpay/testing')
const { notificationAnswer, WxpayError } = require('wxpay')

const APPID = 'wxd678efh567hg6787'
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'
const STORE = { store_info: { out_id: 'store-1' } }

let sandbox
let client
let handler

/** A merchant's notification endpoint on loopback: verifies each notification, queues what it read. */
function notificationHandler(c) {
  const received = []
  const waiting = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (d) => chunks.push(d))
    req.on('end', () => {
      let answer
      try {
        const n = c.parseNotification(req.headers, Buffer.concat(chunks))
        answer = notificationAnswer()
        const w = waiting.shift()
        if (w) w(n)
        else received.push(n)
      } catch (e) {
        answer = notificationAnswer(e)
      }
      res.writeHead(answer.status, answer.headers).end(answer.body)
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/wxpay/notify`,
        next(eventType) {
          const got = received.length ? Promise.resolve(received.shift()) : new Promise((r) => waiting.push(r))
          return Promise.race([
            got.then((n) => {
              assert.equal(n.eventType, eventType)
              return n
            }),
            new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${eventType} in 10 s`)), 10000).unref()),
          ])
        },
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  )
}

before(async () => {
  sandbox = await startSandbox()
  client = sandbox.client()
  handler = await notificationHandler(client)
})

after(async () => {
  await handler.close()
  await sandbox.stop()
  await sandbox.stop() // twice is fine
})

test('the helper starts wxpay sandbox over HTTPS for the test merchant', () => {
  assert.match(sandbox.url, /^https:\/\/127\.0\.0\.1:\d+\/$/)
  assert.equal(sandbox.mchid, '1230000109')
})

test('mainland Native: create, pay, notification, query, close refused, refund, refund notification', async () => {
  const order = await client.createNative({ outTradeNo: 'js-native-1', description: 'Tea', amount: 100, appid: APPID,
    notifyUrl: handler.url, endpoint: 'mainland', attach: 'cart=7' })
  assert.match(order.codeUrl, /^weixin:\/\//)
  assert.equal((await client.queryOutTradeNo('js-native-1', { endpoint: 'mainland' })).tradeState, 'NOTPAY')

  const paid = await sandbox.pay({ outTradeNo: 'js-native-1' })
  const note = await handler.next('TRANSACTION.SUCCESS')
  assert.equal(note.resource.out_trade_no, 'js-native-1')
  assert.equal(note.resource.transaction_id, paid.transaction_id)
  const t = await client.queryOutTradeNo('js-native-1', { endpoint: 'mainland' })
  assert.deepEqual([t.tradeState, t.total, t.transactionId, t.attach], ['SUCCESS', 100, paid.transaction_id, 'cart=7'])
  assert.equal(client.queryTransactionSync(t.transactionId, { endpoint: 'mainland' }).outTradeNo, 'js-native-1')

  await assert.rejects(client.closeOutTradeNo('js-native-1', { endpoint: 'mainland' }), (e) => e.apiCode === 'ORDERPAID')

  const r = await client.createRefund({ outRefundNo: 'js-native-1-r1', outTradeNo: 'js-native-1', refund: 60, total: 100,
    notifyUrl: handler.url, endpoint: 'mainland' })
  assert.deepEqual([r.refundStatus, r.refund], ['PROCESSING', 60])
  assert.equal((await handler.next('REFUND.SUCCESS')).resource.out_refund_no, 'js-native-1-r1')
  assert.equal((await client.queryRefund('js-native-1-r1', { endpoint: 'mainland' })).refundStatus, 'SUCCESS')
  await assert.rejects(
    client.createRefund({ outRefundNo: 'js-native-1-r2', outTradeNo: 'js-native-1', refund: 50, total: 100, endpoint: 'mainland' }),
    (e) => e.apiCode === 'INVALID_REQUEST',
  )
})

test('HK JSAPI: pay parameters, pay by prepay_id, refund, list the refunds (Sync)', async () => {
  const prepay = client.createJsapiSync({ outTradeNo: 'js-hk-1', description: 'Dim sum', amount: 880, currency: 'HKD',
    merchantCategoryCode: '5812', appid: APPID, openid: OPENID, notifyUrl: handler.url, endpoint: 'hk' })
  const params = client.jsapiPayParams(prepay.prepayId, { appid: APPID })
  assert.equal(params.package, `prepay_id=${prepay.prepayId}`)
  assert.equal(params.signType, 'RSA')
  await sandbox.pay({ prepayId: prepay.prepayId })
  await handler.next('TRANSACTION.SUCCESS')
  const t = client.queryOutTradeNoSync('js-hk-1', { endpoint: 'hk' })
  assert.deepEqual([t.tradeState, t.currency], ['SUCCESS', 'HKD'])
  client.createRefundSync({ outRefundNo: 'js-hk-1-r1', transactionId: t.transactionId, refund: 80, total: 880,
    currency: 'HKD', appid: APPID, endpoint: 'hk' })
  const list = client.listRefundsSync({ outTradeNo: 'js-hk-1', endpoint: 'hk' })
  assert.deepEqual(list.refunds.map((x) => x.out_refund_no), ['js-hk-1-r1'])
})

test('code pay: USERPAYING until the payer settles, NOTENOUGH, reverse', async () => {
  const waiting = await client.createMicropay({ outTradeNo: 'js-code-1', description: 'Coffee', amount: 30,
    authCode: '130112345678901234', appid: APPID, endpoint: 'mainland', sceneInfo: STORE })
  assert.equal(waiting.tradeState, 'USERPAYING')
  await sandbox.pay('js-code-1')
  assert.equal((await client.queryOutTradeNo('js-code-1', { endpoint: 'mainland' })).tradeState, 'SUCCESS')
  await assert.rejects(
    client.createMicropay({ outTradeNo: 'js-code-2', description: 'Coffee', amount: 30, authCode: '130012345678901234',
      appid: APPID, endpoint: 'mainland', sceneInfo: STORE }),
    (e) => e.apiCode === 'NOTENOUGH',
  )
  await client.createMicropay({ outTradeNo: 'js-code-3', description: 'Coffee', amount: 30, authCode: '130112345678901235',
    appid: APPID, endpoint: 'mainland', sceneInfo: STORE })
  await client.reverseOutTradeNo('js-code-3', { appid: APPID, endpoint: 'mainland' })
  assert.equal((await client.queryOutTradeNo('js-code-3', { endpoint: 'mainland' })).tradeState, 'REVOKED')
  await assert.rejects(sandbox.pay('js-code-3'), (e) => e instanceof SandboxError && e.status === 400)
})

test('bad arguments are refused by name and send nothing', async () => {
  const before = (await sandbox.requests()).length
  for (const [field, value] of [['amount', -1], ['amount', 1.5], ['amount', '100'], ['outTradeNo', 'bad no!']]) {
    const args = { outTradeNo: 'js-bad-1', description: 'x', amount: 100, appid: APPID, notifyUrl: handler.url,
      endpoint: 'mainland', [field]: value }
    await assert.rejects(client.createNative(args), (e) => {
      assert.ok(e instanceof WxpayError && e.code === 'INVALID_ARGUMENT', e)
      assert.match(e.message, field === 'amount' ? /amount/ : /out_trade_no/)
      return true
    })
  }
  assert.equal((await sandbox.requests()).length, before)
})

test('pay() of an unknown order and a missing wxpay command say what is wrong', async () => {
  await assert.rejects(sandbox.pay('never-created'), (e) => {
    assert.equal(e.status, 400)
    assert.match(e.message, /no order created with out_trade_no never-created/)
    return true
  })
  await assert.rejects(sandbox.pay({}), /outTradeNo/)
  await assert.rejects(startSandbox({ cli: '/nonexistent/wxpay' }), /nonexistent\/wxpay/)
  const saved = [process.env.WXPAY_CLI, process.env.PATH]
  delete process.env.WXPAY_CLI
  process.env.PATH = '/nonexistent'
  try {
    await assert.rejects(startSandbox(), (e) => e.code === 'SANDBOX' && /WXPAY_CLI/.test(e.message) && /PATH/.test(e.message) && /npm install --save-dev @wxpay\/cli/.test(e.message))
  } finally {
    ;[process.env.WXPAY_CLI, process.env.PATH] = saved
  }
})

test('the shared payday script (tests/vectors/payday.json), each call through its typed method', async () => {
  const { catalogue } = require('wxpay')
  const script = JSON.parse(require('node:fs').readFileSync(path.join(__dirname, '..', '..', 'tests', 'vectors', 'payday.json'), 'utf8'))
  const leads = Object.fromEntries(catalogue().calls.map((c) => [c.name, c.lead]))
  const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
  const run = require('node:crypto').randomBytes(4).toString('hex')
  const saved = {}
  const fill = (v) => {
    if (typeof v === 'string') {
      return v.replaceAll('{run}', run).replace(/\{(\w+)\.(\w+)\}/g, (_, name, field) => String(saved[name][camel(field)]))
    }
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]))
    return v
  }
  for (const [i, step] of script.steps.entries()) {
    const where = `step ${i}: ${JSON.stringify(step)}`
    if (step.pay) {
      const paying = sandbox.pay(fill(step.pay))
      if (step.pay_error) await assert.rejects(paying, (e) => e.status === step.pay_error, where)
      else await paying
      continue
    }
    const { [leads[step.call]]: lead, ...options } = fill(step.args)
    const method = client[camel(step.call)].bind(client)
    const calling = leads[step.call] ? method(lead, options) : method(options)
    if (step.error) {
      await assert.rejects(calling, (e) => e.apiCode === step.error, where)
      continue
    }
    const result = await calling
    // (a call without a typed result resolves to its 2xx Response)
    if ('result' in step) assert.ok(result.status >= 200 && result.status < 300 && !('tradeState' in result), where)
    for (const [field, want] of Object.entries(step.expect || {})) {
      const got = result[camel(field)]
      if (want === '*') assert.ok(got, `${where}: ${field}`)
      else assert.deepEqual(got, fill(want), `${where}: ${field}`)
    }
    if (step.save) saved[step.save] = result
  }
})
