'use strict'
// Platform certificates from Node: a client with only the APIv3 key (no certs) downloads them,
// survives a rotation under 64 concurrent calls and the switch to the public key, lists its keys
// and says why a download failed. Its own sandbox: the modes are global to one.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const wxpay = require('..')
const { startSandbox, control } = require('./helpers')

let sb
let admin
before(async () => {
  sb = await startSandbox()
  admin = sb.client()
})
after(() => sb.stop())

function autoClient(name, extra = {}) {
  const { certs, ...options } = sb.clientOptions({ autoCertificates: true, userAgent: name, ...extra })
  void certs
  return new wxpay.Client(options)
}

test('only the APIv3 key, then a rotation under 64 concurrent calls', async () => {
  await control(admin, 'POST', 'certificates', { mode: 'certificate' })
  try {
    const client = autoClient('node-rotation')
    assert.deepEqual(client.certificates().keys, [])
    await client.closeTransaction('node-auto-1')
    const listed = client.certificates()
    assert.deepEqual(listed.keys.map((k) => [k.id, k.kind, k.source]), [['5157F09EFDC096DE15EBE81A47057A7232F1B8E1', 'certificate', 'downloaded']])
    assert.equal(typeof listed.lastDownload.at, 'number')
    const rotated = await control(admin, 'POST', 'certificates', { action: 'rotate' })
    const fresh = rotated.serials[rotated.serials.length - 1]
    await Promise.all(Array.from({ length: 64 }, (_, i) => client.closeTransaction(`node-rot-${i}`)))
    assert.ok(client.certificates().keys.some((k) => k.id === fresh))
    assert.equal(client.encryptField('x').serial, fresh)
    assert.equal((await control(admin, 'GET', 'certificates')).downloads, 2)
  } finally {
    await control(admin, 'POST', 'certificates', { mode: 'public_key' })
  }
})

test('the switch to the public key, and failures are reported', async () => {
  await control(admin, 'POST', 'certificates', { mode: 'public_key_only' })
  try {
    const migrating = sb.client({ autoCertificates: true, userAgent: 'node-migrating' })
    await migrating.closeTransaction('node-switched')
    assert.equal(migrating.certificates().lastDownload.publicKeyOnly, true)
    await assert.rejects(autoClient('node-no-key').closeTransaction('node-no-key'), (e) => e instanceof wxpay.ConfigError && /RESOURCE_NOT_EXISTS/.test(e.message))
  } finally {
    await control(admin, 'POST', 'certificates', { mode: 'certificate' })
  }
  try {
    const wrong = autoClient('node-wrong-key', { apiv3Key: '0123456789abcdef0123456789ABCDEF' })
    await assert.rejects(wrong.closeTransaction('node-wrong'), (e) => e instanceof wxpay.DecodeError && /wrong APIv3 key/.test(e.message))
    assert.match(wrong.certificates().lastDownload.error, /wrong APIv3 key/)
  } finally {
    await control(admin, 'POST', 'certificates', { mode: 'public_key' })
  }
  assert.throws(() => new wxpay.Client({ mchid: '1', serial: 'S', privateKey: 'x', autoCertificates: true }), (e) => e instanceof wxpay.ConfigError && /apiv3_key/.test(e.message))
})
