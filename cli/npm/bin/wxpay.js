#!/usr/bin/env node
'use strict'
// `wxpay` on PATH for npm / npx users: runs this platform's binary with the same arguments,
// stdio and exit status; SIGINT / SIGTERM / SIGHUP reach it (so `wxpay sandbox` stops cleanly).
const { spawn } = require('node:child_process')
const { binaryPath } = require('..')

let exe
try {
  exe = binaryPath()
} catch (err) {
  process.stderr.write(`wxpay: ${err.message}\n`)
  process.exit(1)
}
const child = spawn(exe, process.argv.slice(2), { stdio: 'inherit' })
const forward = (signal) => () => child.kill(signal)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward(signal))
child.on('error', (err) => {
  process.stderr.write(`wxpay: could not run ${exe}: ${err.message}\n`)
  process.exit(1)
})
child.on('exit', (code, signal) => {
  if (signal) {
    // Die of the same signal, as a shell reports it (128 + n).
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  } else {
    process.exit(code === null ? 1 : code)
  }
})
