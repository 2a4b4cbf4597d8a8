// Compiled with `tsc --noEmit --strict` (test/typings.test.js): the public typings cover the API,
// including the chain Proxy, and reject misuse.
import { ApiError, Client, Response, WxpayError, WxpayEvent, notificationAnswer, setClientCache, version } from '..'

async function main(): Promise<void> {
  setClientCache(1000)
  // @ts-expect-error a capacity is a number
  setClientCache('1000')
  const client = new Client({ mchid: '1230000109', serial: 'S', privateKey: 'file:///k.pem', certs: { PUB_KEY_ID_1: 'file:///p.pem' } })
  const options = {
    base_uri: 'https://api.mch.weixin.qq.com/hk/',
    transaction_id: '1217752501201407033233368018',
    json: { mchid: '1230000109', sub_mchid: '1230000109', sp_mchid: '1230000109' },
  }
  const a: Response = await client.v3.transactions.id._transaction_id_.close.post(options)
  const b: Response = await client.chain('v3/transactions/id/{transaction_id}/close').post(options)
  const c: Response = await client['v3/transactions/id/{transaction_id}/close'].post(options)
  const d: Response = client.v3.transactions.id._transaction_id_.close.postSync(options)
  const s: number = a.status + b.status + c.status + d.status
  const rid: string | null = a.requestId
  const t: string = client.v3.transactions.template
  await client.closeTransaction('1', { endpoint: 'global', subMchid: '2' })
  try {
    client.closeOutTradeNoSync('no')
  } catch (e) {
    if (e instanceof ApiError) {
      const code: 'API' = e.code
      const apiCode: string = e.apiCode
      console.log(code, apiCode, e.requestId, e.status)
    } else if (e instanceof WxpayError) {
      console.log(e.code, e.mayHaveBeenSent)
    }
  }
  const fromFile: Client = Client.fromConfig('/etc/wxpay.json')
  const auth: string = fromFile.sign('GET', 'https://api.mch.weixin.qq.com/v3/x', '', { timestamp: 1, nonce: 'N' })
  console.log(s, rid, t, auth, version)
  // @ts-expect-error: endpoint is 'hk' | 'global'
  await client.closeTransaction('1', { endpoint: 'cn' })
  const n = client.parseNotification({ 'wechatpay-serial': 'X' }, Buffer.from('{}'))
  const eventType: string = n.eventType
  const answer: { status: number; body: string } = notificationAnswer(new Error('x'))
  const field: { ciphertext: string; serial: string } = client.encryptField('张三')
  await client.request('POST', 'v3/x', { json: { name: 'x' }, encrypt: ['/name'] })
  const kinds: string[] = client.certificates().keys.map((k) => k.kind)
  new Client({ mchid: '1', serial: 'S', privateKey: 'x', apiv3Key: 'k', autoCertificates: true, certificateEndpoint: 'hk' })
  console.log(kinds)
  const echo: { echo_message: string } = await client.securityEcho('x', { notifyUrl: 'http://127.0.0.1:1/' })
  console.log(eventType, answer, field, client.decryptField('x'), echo)
  const up: Response = await client.upload('v3/merchant/media/upload', Buffer.from('x'), { filename: 'x.png', meta: { digest: null } })
  const bill = await client.downloadBill('/tmp/bill.csv', { billDate: '2026-11-26', tarType: 'GZIP' })
  const st = client.downloadStatementSync('/tmp/s.csv', { date: '20261126', endpoint: 'global' })
  const checked: boolean = bill.checked && st.checked
  console.log(up.status, bill.sha1, checked)
  // @ts-expect-error: a bill needs its date
  client.downloadBillSync('/tmp/bill.csv', { kind: 'tradebill' })
  client.on('retry', (e) => console.log(e.summary, e.requestId, e.retryInMs, e.attempt))
  client.on('call', (e: WxpayEvent) => {
    const outcome: string | null = e.outcome
    console.log(outcome, e.durationMs)
  })
  // @ts-expect-error: no such event
  client.on('done', () => {})
  // @ts-expect-error: a parsed JSON object is not a body
  client.parseNotification({}, { id: 1 })
  // @ts-expect-error: the options of the constructor are typed
  new Client({ mchid: '1' })
}
void main
