'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const wxpay = require('..')
const { startSandbox, control, FIXTURES } = require('./helpers')

const SEED = { base_uri: 'https://api.mch.weixin.qq.com/hk/', transaction_id: 'x', json: { mchid: '1230000109' } }
const TEMPLATE = 'v3/transactions/id/{transaction_id}/close'

let sb
let strict
let client
before(async () => {
  sb = await startSandbox()
  strict = await startSandbox({ strict: true })
  client = sb.client()
})
after(() => {
  sb.stop()
  strict.stop()
})

test('ApiError carries status, apiCode, apiMessage, requestId, body', async () => {
  await control(client, 'POST', 'orders', { id: 'paid-js', state: 'SUCCESS' })
  const e = await client.closeTransaction('paid-js').then(() => null, (err) => err)
  assert.ok(e instanceof wxpay.ApiError && e instanceof wxpay.WxpayError && e instanceof Error)
  assert.equal(e.code, 'API')
  assert.equal(e.status, 400)
  assert.equal(e.apiCode, 'ORDERPAID')
  assert.ok(e.apiMessage)
  assert.equal(e.requestId.length, 32)
  assert.match(e.body.toString(), /ORDERPAID/)
  assert.equal(e.mayHaveBeenSent, true)
  assert.equal(e.name, 'ApiError')
  assert.equal(JSON.parse(JSON.stringify(e)).apiCode, 'ORDERPAID')
  assert.match(e.stack, /errors\.test\.js|ApiError/)
  // Sync twin throws the same.
  assert.throws(() => client.closeTransactionSync('paid-js'), (err) => err instanceof wxpay.ApiError && err.apiCode === 'ORDERPAID')
})

test('404 ORDER_NOT_EXIST in strict mode; 401 SIGN_ERROR with signInformation', async () => {
  await assert.rejects(strict.client().closeTransaction('unknown'), { code: 'API', status: 404, apiCode: 'ORDER_NOT_EXIST' })
  const wrongKey = sb.client({ privateKey: `file://${path.join(FIXTURES, 'other_key.pem')}` })
  const e = await wrongKey.closeTransaction('x').catch((err) => err)
  assert.equal(e.apiCode, 'SIGN_ERROR')
  assert.equal(e.status, 401)
  assert.equal(e.signInformation.url, '/hk/v3/transactions/id/x/close')
})

for (const [fault, reason] of [
  ['bad_signature', 'BAD_SIGNATURE'],
  ['signtest', 'SIGNTEST'],
  ['no_signature', 'MISSING_HEADERS'],
  ['stale_timestamp', 'TIMESTAMP_SKEW'],
  ['future_timestamp', 'TIMESTAMP_SKEW'],
  ['unknown_serial', 'UNKNOWN_SERIAL'],
]) {
  test(`VerifyError ${reason} for ${fault}`, async () => {
    await control(client, 'POST', 'faults', { fault, path: '/close' })
    await assert.rejects(client.closeTransaction('v'), (e) => e instanceof wxpay.VerifyError && e.code === 'VERIFY' && e.verifyFailure === reason && e.status === 204)
  })
}

test('DecodeError when 200 comes where 204 is due', async () => {
  await control(client, 'POST', 'faults', { fault: 'status_200', path: '/close' })
  await assert.rejects(client.closeTransaction('d'), { name: 'DecodeError', code: 'DECODE', status: 200 })
})

test('TransportError says the request was not sent', async () => {
  const dead = sb.client({ resolve: { 'api.mch.weixin.qq.com': '127.0.0.1:9' } })
  await assert.rejects(dead.closeTransaction('t'), (e) => e instanceof wxpay.TransportError && e.code === 'TRANSPORT' && e.mayHaveBeenSent === false && e.status === null)
})

test('TimeoutError fires and the client keeps working', async () => {
  const slow = sb.client({ timeoutMs: 300 })
  await control(client, 'POST', 'faults', { fault: 'delay', delay_ms: 2000, path: 'slow' })
  await assert.rejects(slow.closeTransaction('slow'), { name: 'TimeoutError', code: 'TIMEOUT', mayHaveBeenSent: true })
  assert.equal((await slow.closeTransaction('after')).status, 204)
})

test('bad configuration: ConfigError naming the field, never the key', () => {
  const keyLine = fs.readFileSync(path.join(FIXTURES, 'merchant_key.pem'), 'utf8').split('\n')[1]
  const cases = [
    [{ privateKey: 'file:///nonexistent/apiclient_key.pem' }, /cannot read file/],
    [{ privateKey: `file://${path.join(FIXTURES, 'ec_key.pem')}` }, /not RSA/],
    [{ privateKey: `file://${path.join(FIXTURES, 'encrypted_key.pem')}` }, /encrypted/],
    [{ privateKey: `file://${path.join(FIXTURES, 'merchant_cert.pem')}` }, /certificate/],
    [{ privateKey: fs.readFileSync(path.join(FIXTURES, 'merchant_pub.pem')) }, /public key/],
    [{ mchid: '12ab' }, /digits/],
    [{ certs: {} }, /certs/],
    // The field is named as written, in the spelling the caller used.
    [{ timeoutMs: -1 }, /`timeoutMs`/],
    [{ timeoutMs: '10' }, /`timeoutMs`/],
    [{ timeout: 0.0001 }, /`timeout` is 0.0001 s, below the 1 ms resolution/],
    [{ retries: 99 }, /retries/],
    [{ resolve: { 'api.mch.weixin.qq.com': 'nope' } }, /ip:port/],
    [{ baseUri: 'http://api.mch.weixin.qq.com/' }, /insecure_http/],
    [{ privatekey: 'x' }, /privatekey/],
  ]
  for (const [overrides, pattern] of cases) {
    assert.throws(
      () => sb.client(overrides),
      (e) => {
        assert.ok(e instanceof wxpay.ConfigError, `${JSON.stringify(overrides)}: ${e}`)
        assert.equal(e.code, 'CONFIG')
        assert.match(e.message, pattern)
        assert.ok(!e.message.includes(keyLine))
        return true
      },
    )
  }
  assert.throws(() => new wxpay.Client(null), { code: 'CONFIG' })
  assert.throws(() => wxpay.Client.fromConfig('/nonexistent.json'), { code: 'CONFIG', message: /cannot read configuration/ })
  // A PEM Buffer works as well as text.
  const ok = sb.client({ privateKey: fs.readFileSync(path.join(FIXTURES, 'merchant_key_pkcs1.pem')) })
  assert.equal(ok.closeTransactionSync('buffer-key').status, 204)
})

test('bad arguments: InvalidArgumentError, nothing sent', async () => {
  await control(client, 'POST', 'reset')
  const cases = [
    [() => client[TEMPLATE].post({ json: {} }), /needs a value for `\{transaction_id\}`/],
    [() => client[TEMPLATE].post({ transactionId: '1' }), /transactionId/],
    [() => client[TEMPLATE].post({ transaction_id: '..' }), /would change the path/],
    [() => client[TEMPLATE].post({ transaction_id: 1.5 }), /string or an integer/],
    [() => client[TEMPLATE].post({ transaction_id: '1', json: { n: 10n } }), /JSON/],
    [() => client[TEMPLATE].post('transaction_id=1'), /must be an object/],
    [() => client.request('BREW', TEMPLATE, { transaction_id: '1' }), /BREW/],
    [() => client.v3.x.get({ json: { a: 1 } }), /GET request carries no body/],
    [() => client.closeTransaction(42), /must be a string/],
    [() => client.closeTransaction('1', { endpoint: 'cn' }), /endpoint/],
    [() => client.closeTransaction('1', { subMerchant: '2' }), /unknown close option `subMerchant`/],
    [() => client.closeTransaction('1', { subMchid: '2', sub_mchid: '2' }), /same option/],
    [() => client.closeTransaction(''), /empty/],
    [() => client.closeTransaction('4'.repeat(33)), /at most 32/],
    [() => client.closeTransaction('a/b'), /'\/'/],
    [() => client.closeTransaction('..'), /'\.'/],
    [() => client.closeOutTradeNo('a?b#c'), /'\?'/],
    [() => client.closeOutTradeNo('a%2F'), /'%'/],
    [() => client.closeOutTradeNo('a b'), /' '/],
    [() => client.closeOutTradeNo('订单'), /'订'/],
  ]
  for (const [call, pattern] of cases) {
    await assert.rejects(call, (e) => {
      assert.ok(e instanceof wxpay.InvalidArgumentError, String(e))
      assert.equal(e.code, 'INVALID_ARGUMENT')
      assert.equal(e.mayHaveBeenSent, false)
      assert.match(e.message, pattern)
      return true
    })
  }
  assert.throws(() => client[TEMPLATE].postSync({}), { code: 'INVALID_ARGUMENT' })
  assert.throws(() => client.sign('GET', 'not a url'), { code: 'INVALID_ARGUMENT', message: /absolute URL/ })
  assert.deepEqual(await control(client, 'GET', 'requests'), [])
})

test('errors are made natively as WxpayError subclasses (no message parsing), thrown and rejected alike', async () => {
  const native = require('../native.js')
  // Straight from the addon, bypassing index.js's methods: already a ConfigError with err.code.
  assert.throws(() => new native.NativeClient('{"mchid":"1"}'), (e) => e instanceof wxpay.ConfigError && e.code === 'CONFIG' && e.mayHaveBeenSent === false && !/WXPAY_ERROR|^\{/.test(e.message))
  // A rejected Promise carries the same class; a bad options text never throws synchronously.
  const n = new native.NativeClient(JSON.stringify(sb.config))
  let promise
  assert.doesNotThrow(() => { promise = n.request('POST', 'v3/x/{id}', '{not json', null) })
  const e = await promise.then(() => null, (err) => err)
  assert.ok(e instanceof wxpay.InvalidArgumentError, String(e))
  assert.equal(e.code, 'INVALID_ARGUMENT')
  // (the addon's one typed entry: every catalogue call by name)
  const v = await n.call('close_transaction', '{"transaction_id":""}', null, null).then(() => null, (err) => err)
  assert.ok(v instanceof wxpay.InvalidArgumentError && /transaction_id/.test(v.message), String(v))
  assert.equal(v.argument, 'transaction_id')
})

test('each worker thread gets errors of its own classes; without index.js the message carries the code', async () => {
  const { Worker } = require('node:worker_threads')
  const run = (code) => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { dir: path.join(__dirname, '..') } })
    w.once('message', resolve)
    w.once('error', reject)
  })
  const withIndex = await run(`
    const { parentPort, workerData } = require('node:worker_threads')
    const wxpay = require(workerData.dir)
    try { new wxpay.Client({ mchid: '1' }) } catch (e) {
      parentPort.postMessage({ own: e instanceof wxpay.ConfigError, code: e.code, name: e.name })
    }`)
  assert.deepEqual(withIndex, { own: true, code: 'CONFIG', name: 'ConfigError' })
  const bare = await run(`
    const { parentPort, workerData } = require('node:worker_threads')
    const native = require(workerData.dir + '/native.js')
    try { new native.NativeClient('{"mchid":"1"}') } catch (e) { parentPort.postMessage(e.message) }`)
  assert.match(bare, /^\[CONFIG\] /)
})
