'use strict'
// Installed without its binary (a platform with no package, or optional dependencies skipped):
// the error names the platform and the supported list, not "an npm bug".
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

test('without its platform package, requiring wxpay says which package to install and how', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxpay-loader-'))
  try {
    for (const f of ['index.js', 'native.js', 'package.json']) fs.copyFileSync(path.join(__dirname, '..', f), path.join(dir, f))
    const r = spawnSync(process.execPath, ['-e', `try { require(${JSON.stringify(dir)}) } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`], { encoding: 'utf8' })
    const e = JSON.parse(r.stdout)
    assert.equal(e.code, 'WXPAY_NO_NATIVE_ADDON')
    assert.match(e.message, /native addon for linux-x64-gnu comes in the package @wxpay\/native-linux-x64-gnu, which is not installed/)
    assert.match(e.message, /npm install @wxpay\/native-linux-x64-gnu@\d+\.\d+\.\d+/)
    assert.match(e.message, /--omit=optional/)
    assert.doesNotMatch(e.message, /npm has a bug/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('npm pack refuses a package without its binary', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxpay-prepack-'))
  try {
    for (const f of ['prepack.js', 'package.json']) fs.copyFileSync(path.join(__dirname, '..', f), path.join(dir, f))
    const r = spawnSync(process.execPath, ['prepack.js'], { cwd: dir, encoding: 'utf8' })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /refusing to pack wxpay without its native addon/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
