'use strict'
// Files against the sandbox: uploads signed over their meta, the B1 bill and statement with
// their published SHA-1, failures leaving nothing behind.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { InvalidArgumentError, VerifyError, TransportError } = require('..')
const { startSandbox, control } = require('./helpers')

const B1_SHA1 = '9bb6cd819be348f17a9cbcedddc8eb62fefbd790'
let sb
let dir
before(async () => {
  sb = await startSandbox()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxpay-node-files-'))
})
after(() => {
  sb.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

test('upload an image from a Buffer and a PDF from a path (Global storage names its digest `digest`)', async () => {
  const client = sb.client()
  const r = await client.upload('v3/merchant/media/upload', Buffer.from('\x89PNG test'), { filename: 'photo.png' })
  assert.match(r.json().media_id, /^sandbox-media-/)
  const pdf = path.join(dir, 'contract.pdf')
  fs.writeFileSync(pdf, '%PDF-1.4 test')
  const g = client.uploadSync('v3/global/merchant-storage/file/upload', pdf, {
    meta: { filename: 'contract.pdf', digest: null },
    base_uri: 'https://apihk.mch.weixin.qq.com/',
  })
  assert.match(g.json().file_id, /^sandbox-file-/)
})

test('a file too big or without a name is refused before sending', async () => {
  const client = sb.client()
  const big = path.join(dir, 'big.jpg')
  fs.writeFileSync(big, Buffer.alloc(5 * 1024 * 1024 + 1))
  await assert.rejects(client.upload('v3/merchant/media/upload', big), (e) => e instanceof InvalidArgumentError && /at most 5242880 bytes/.test(e.message) && e.mayHaveBeenSent === false)
  assert.throws(() => client.uploadSync('v3/merchant/media/upload', Buffer.from('x')), /filename/)
  assert.throws(() => client.uploadSync('v3/merchant/media/upload', Buffer.from('x'), { filename: 'x.png', meta: [] }), /meta must be an object/)
  fs.rmSync(big)
})

test('the B1 bill plain and gzip, and statements, with their published SHA-1', async () => {
  const client = sb.client()
  for (const tarType of [undefined, 'GZIP']) {
    const out = path.join(dir, `bill-${tarType}.csv`)
    const d = await client.downloadBill(out, { billDate: '2019-02-01', tarType, bill_type: 'ALL' })
    assert.deepEqual([d.sha1, d.bytes, d.checked, d.path], [B1_SHA1, 14686, true, out])
    assert.equal(d.received < d.bytes, tarType === 'GZIP')
    assert.equal(crypto.createHash('sha1').update(fs.readFileSync(out)).digest('hex'), B1_SHA1)
    fs.rmSync(out)
  }
  const hk = client.downloadStatementSync(path.join(dir, 'hk.csv'), { date: '20190201' })
  const global = await client.downloadStatement(path.join(dir, 'global.csv'), { date: '20190201', endpoint: 'global' })
  assert.deepEqual([hk.sha1, hk.checked, global.sha1, global.checked], [B1_SHA1, true, B1_SHA1, true])
  fs.rmSync(path.join(dir, 'hk.csv'))
  fs.rmSync(path.join(dir, 'global.csv'))
})

test('a wrong digest or a truncated body leaves nothing behind; another host never gets the signature', async () => {
  const client = sb.client()
  const out = path.join(dir, 'bill.csv')
  await control(client, 'POST', 'faults', { fault: 'wrong_digest', path: '/v3/bill/tradebill' })
  await assert.rejects(client.downloadBill(out, { billDate: '2026-11-26' }), (e) => e instanceof VerifyError && e.verifyFailure === 'DIGEST_MISMATCH')
  await control(client, 'POST', 'faults', { fault: 'truncated_body', path: '/billdownload/' })
  assert.throws(() => client.downloadBillSync(out, { billDate: '2026-11-26' }), TransportError)
  await assert.rejects(client.download('https://evil.example/x?token=1', out), /refusing to send the merchant's signature/)
  assert.deepEqual(fs.readdirSync(dir), ['contract.pdf'])
  const d = client.downloadSync('https://api.mch.weixin.qq.com/v3/billdownload/file?token=tradebill.2019-02-01', out, { sha1: B1_SHA1 })
  assert.ok(d.checked && d.bytes === 14686)
})
