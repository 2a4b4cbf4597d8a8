'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

test('index.d.ts type-checks real usage (and rejects misuse) under tsc --strict', () => {
  const tsc = path.join(__dirname, '..', 'node_modules', '.bin', 'tsc')
  const r = spawnSync(tsc, ['-p', path.join(__dirname, 'tsconfig.json')], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
