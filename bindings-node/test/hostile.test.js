'use strict'
// Hostile input through the Node package: the shared bad-input catalogue
// (tests/reliability/bad_inputs.json), and a panic inside the core (debug builds,
// WXPAY_TEST_PANIC=1) reaching JS as an InternalError: Promises settle, *Sync methods throw and
// never abort the process.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const wxpay = require('..')
const { startSandbox, control, ROOT } = require('./helpers')

const spec = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'reliability', 'bad_inputs.json'), 'utf8'))
const FIXTURES = path.join(ROOT, 'tests', 'fixtures')

let sb
let normal
before(async () => {
  sb = await startSandbox()
  normal = sb.client()
})
after(() => sb.stop())

// `{fixtures}` → the fixtures folder, {"$repeat": [s, n]} → s repeated n times.
function expand(v) {
  if (typeof v === 'string') return v.replaceAll('{fixtures}', FIXTURES)
  if (Array.isArray(v)) return v.map(expand)
  if (v && typeof v === 'object') {
    if ('$repeat' in v) return v.$repeat[0].repeat(v.$repeat[1])
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]))
  }
  return v
}

for (const c of spec.cases) {
  test(`bad input: ${c.name}`, async () => {
    await control(normal, 'POST', 'reset')
    let error = null
    try {
      if (c.config) {
        // The catalogue spells fields as the core does (any documented spelling), and options
        // pass through untouched: start from the sandbox's configuration as written.
        new wxpay.Client({ ...sb.config, ...expand(c.config) })
      } else {
        const call = expand(c.call)
        await normal.request(call.method, call.template, call.options)
      }
    } catch (e) {
      error = e
    }
    assert.ok(error instanceof wxpay.WxpayError, String(error))
    assert.equal(error.code, c.expect.code, error.message)
    assert.equal(error.mayHaveBeenSent, false)
    assert.ok([...error.message].length <= 600, `${error.message.length} characters`)
    for (const want of c.expect.mentions) assert.ok(error.message.toLowerCase().includes(want.toLowerCase()), error.message)
    for (const bad of c.expect.absent) assert.ok(!error.message.includes(bad), error.message)
    assert.deepEqual(await control(normal, 'GET', 'requests'), [], 'something was sent')
  })
}

// Typed calls with bad arguments, through the generic entry: refused, named, nothing sent.
const badCalls = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'reliability', 'bad_calls.json'), 'utf8'))
for (const c of badCalls.cases) {
  test(`bad call: ${c.name}`, async () => {
    await control(normal, 'POST', 'reset')
    const error = await normal.call(c.call, c.args).then(() => null, (e) => e)
    assert.ok(error instanceof wxpay.WxpayError, String(error))
    assert.equal(error.code, c.expect.code, error.message)
    assert.equal(error.mayHaveBeenSent, false)
    assert.equal(error.argument, c.expect.argument, error.message)
    for (const want of c.expect.mentions) assert.ok(error.message.toLowerCase().includes(want.toLowerCase()), error.message)
    for (const bad of c.expect.absent) assert.ok(!error.message.includes(bad), error.message)
    assert.throws(() => normal.callSync(c.call, c.args), (e) => e.code === c.expect.code && e.argument === c.expect.argument)
    assert.deepEqual(await control(normal, 'GET', 'requests'), [], 'something was sent')
  })
}

test('every catalogue case is well formed', () => {
  const names = spec.cases.map((c) => c.name)
  assert.ok(names.length > 0 && new Set(names).size === names.length, 'cases need unique names')
  for (const c of spec.cases) {
    assert.ok(!c.config !== !c.call, c.name)
    assert.deepEqual(Object.keys(c.expect).sort(), ['absent', 'code', 'mentions'], c.name)
  }
})

test('a panic in the core is an InternalError: Promises settle, Sync methods throw', async () => {
  process.env.WXPAY_TEST_PANIC = '1'
  try {
    for (const call of [() => normal.closeTransaction('panic-async'), () => normal.request('GET', 'v3/certificates')]) {
      await assert.rejects(call(), (e) => e instanceof wxpay.InternalError && e.code === 'INTERNAL' && e.message.includes('deliberate test panic'))
    }
    assert.throws(() => normal.closeTransactionSync('panic-sync'), (e) => e instanceof wxpay.InternalError && e.message.includes('deliberate test panic'))
    assert.throws(() => normal.requestSync('GET', 'v3/certificates'), (e) => e instanceof wxpay.InternalError)
  } finally {
    delete process.env.WXPAY_TEST_PANIC
  }
  assert.equal((await normal.closeTransaction('after-panic')).status, 204)
})

test('a panic in requestSync neither aborts the process nor prints', () => {
  const script = `
    const wxpay = require(${JSON.stringify(path.join(__dirname, '..'))})
    const c = new wxpay.Client(${JSON.stringify(sb.clientOptions())})
    process.env.WXPAY_TEST_PANIC = '1'
    try { c.requestSync('GET', 'v3/certificates') } catch (e) { if (!(e instanceof wxpay.InternalError)) throw e }
    delete process.env.WXPAY_TEST_PANIC
    console.log(c.closeTransactionSync('after-panic-child').status)
  `
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout.trim(), '204')
  assert.ok(!r.stderr.includes('panicked'), r.stderr)
})

test('calls survive the server closing its connections', async () => {
  for (let round = 0; round < 5; round++) {
    await normal.closeTransaction('keepalive')
    await control(normal, 'POST', 'close_connections')
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.equal((await normal.closeTransaction('after-server-close')).status, 204)
    assert.equal(normal.closeTransactionSync('after-server-close').status, 204)
  }
})
