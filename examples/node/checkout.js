'use strict'
// A Hong Kong QR-code (Native) checkout with wxpay, end to end against the local WeChat Pay
// (wxpay sandbox).
//
//   npm install wxpay                # and the wxpay CLI on PATH (or WXPAY_CLI=/path/to/wxpay)
//   node checkout.js
//
// The shop: an order table, a notify_url endpoint (node:http here; Express or Fastify hand
// parseNotification the same headers and raw body — never the parsed JSON), and the server side
// of the checkout. The day: create the Native order in HKD → show code_url as a QR code → the
// payer scans and pays (the sandbox plays them) → the endpoint verifies TRANSACTION.SUCCESS and
// marks the order paid → query confirms it → refund part → REFUND.SUCCESS marks it refunded.
//
// Against WeChat Pay itself only the client changes: Client.fromConfig('/etc/wxpay/c.json') with
// the merchant's keys, and an https notifyUrl.

const http = require('node:http')
const { once } = require('node:events')
const { notificationAnswer } = require('wxpay')
const { startSandbox } = require('wxpay/testing')

const APPID = 'wxd678efh567hg6787'
const MCC = '5812' // the merchant category code WeChat Pay assigned (HK and Global)

/** The merchant's side: orders by out_trade_no, updated only by verified notifications. */
class Shop {
  constructor(client) {
    this.client = client
    this.orders = new Map()
    this.seen = new Set() // notification ids: WeChat Pay redelivers, handle each once
    this.events = new (require('node:events').EventEmitter)()
  }

  notification(headers, body) {
    let n
    try {
      n = this.client.parseNotification(headers, body)
    } catch (e) {
      return notificationAnswer(e) // 401/400: WeChat Pay sends it again
    }
    if (!this.seen.has(n.id)) {
      this.seen.add(n.id)
      const order = this.orders.get(n.resource.out_trade_no)
      // (HK and Global name WeChat Pay's order id `id`, the mainland `transaction_id`)
      if (order && n.eventType === 'TRANSACTION.SUCCESS') Object.assign(order, { state: 'paid', transactionId: n.resource.id ?? n.resource.transaction_id })
      if (order && n.eventType === 'REFUND.SUCCESS') Object.assign(order, { state: 'refunded', refunded: n.resource.amount.refund })
      this.events.emit('changed')
    }
    return notificationAnswer()
  }

  async waitFor(outTradeNo, state) {
    const deadline = setTimeout(() => this.events.emit('error', new Error(`order ${outTradeNo} never became ${state}`)), 10000)
    try {
      while (this.orders.get(outTradeNo).state !== state) await once(this.events, 'changed')
      return this.orders.get(outTradeNo)
    } finally {
      clearTimeout(deadline)
    }
  }
}

async function serveNotifications(shop) {
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const answer = shop.notification(req.headers, Buffer.concat(chunks))
      res.writeHead(answer.status, answer.headers).end(answer.body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, url: `http://127.0.0.1:${server.address().port}/wxpay/notify` }
}

async function main() {
  const sandbox = await startSandbox()
  const client = sandbox.client()
  const shop = new Shop(client)
  const { server, url: notifyUrl } = await serveNotifications(shop)
  try {
    // 1. The payer checks out: create the order, show code_url as a QR code.
    const outTradeNo = 'HK-SHOP-20261207-0001'
    shop.orders.set(outTradeNo, { state: 'created', amount: 8800 })
    const order = await client.createNative({ outTradeNo, description: 'Egg tarts x 12', amount: 8800, currency: 'HKD',
      merchantCategoryCode: MCC, appid: APPID, notifyUrl, endpoint: 'hk' })
    console.log('1. created', outTradeNo, '→ QR code', order.codeUrl)

    // 2. The payer scans and pays (the sandbox plays them); the notification marks the order paid.
    await sandbox.pay({ outTradeNo })
    const paid = await shop.waitFor(outTradeNo, 'paid')
    console.log('2. notified: paid, transaction', paid.transactionId)

    // 3. Never trust the front end alone: ask WeChat Pay.
    const t = await client.queryOutTradeNo(outTradeNo, { endpoint: 'hk' })
    if (t.tradeState !== 'SUCCESS' || t.total !== 8800 || t.currency !== 'HKD') throw new Error(`unexpected order ${JSON.stringify(t)}`)
    console.log('3. queried:', t.tradeState, t.total, t.currency)

    // 4. A partial refund: PROCESSING now, REFUND.SUCCESS when the money is back.
    const r = await client.createRefund({ outRefundNo: `${outTradeNo}-R1`, transactionId: t.transactionId, refund: 1100,
      total: 8800, currency: 'HKD', appid: APPID, reason: 'one tart short', notifyUrl, endpoint: 'hk' })
    console.log('4. refund', r.outRefundNo, r.refundStatus ?? '(accepted)')
    await shop.waitFor(outTradeNo, 'refunded')
    const settled = await client.queryRefund(`${outTradeNo}-R1`, { endpoint: 'hk' })
    if (settled.refundStatus !== 'SUCCESS') throw new Error(`unexpected refund ${JSON.stringify(settled)}`)
    const list = await client.listRefunds({ outTradeNo, endpoint: 'hk' })
    console.log('5. notified and queried: refund', settled.refundStatus, settled.refund, `(${list.totalCount} refund)`)
  } finally {
    server.close()
    await sandbox.stop()
  }
  console.log('checkout OK')
}

main().catch((e) => {
  console.error('checkout failed:', e)
  process.exit(1)
})
