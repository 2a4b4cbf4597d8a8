'use strict'
// Test a checkout without a merchant account: a local WeChat Pay (`wxpay sandbox`) that plays the
// whole payment day — create, pay, notifications, query, close, refund — with test keys.
//
//   const { startSandbox } = require('wxpay/testing')
//   const sandbox = await startSandbox()          // node:test before(), Jest/Vitest beforeAll()
//   const client = sandbox.client()               // a Client configured for the sandbox
//   await client.createNative({ outTradeNo: 'T-1', … notifyUrl })
//   await sandbox.pay({ outTradeNo: 'T-1' })      // the payer pays; TRANSACTION.SUCCESS is sent
//   await sandbox.stop()                          // after() / afterAll()
//
// The sandbox is the `wxpay` command line: the @wxpay/cli package (npm install --save-dev
// @wxpay/cli), or WXPAY_CLI set to its path, or `wxpay` on PATH.
// TEST ONLY: its keys are public test fixtures; notifications reach http://127.0.0.1 handlers only.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const https = require('node:https')
const http = require('node:http')
const path = require('node:path')
const readline = require('node:readline')

const { Client } = require('./index.js')

/** The sandbox could not start, or its control API refused what was asked. */
class SandboxError extends Error {
  constructor(message, { status = null, body = null } = {}) {
    super(message)
    this.name = 'SandboxError'
    this.code = 'SANDBOX'
    this.status = status
    this.body = body
  }
}

/** Sandboxes still running: stopped when the process exits, whoever forgot them. */
const live = new Set()
process.once('exit', () => {
  for (const child of live) child.kill('SIGTERM')
})

function findCli(explicit) {
  const given = explicit || process.env.WXPAY_CLI
  if (given) return given
  // The @wxpay/cli package's binary, when the project installed it.
  try {
    return require('@wxpay/cli').binaryPath()
  } catch {}
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue
    const candidate = path.join(dir, 'wxpay')
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      return candidate
    } catch {}
  }
  throw new SandboxError(
    'the `wxpay` command (which runs the sandbox) was not found: `npm install --save-dev @wxpay/cli` ' +
      'installs it for this project, or put the wxpay CLI on PATH, or set WXPAY_CLI=/path/to/wxpay (in a source checkout: `cargo build -p wxpay-cli`, ' +
      'then WXPAY_CLI=target/debug/wxpay)',
  )
}

class Sandbox {
  constructor(child, info) {
    this._child = child
    /** Everything the sandbox printed at start (url, ca_cert, client_config, mchid…). */
    this.info = info
    this.url = info.url
    this.controlUrl = info.control
    this.caCert = info.ca_cert || null
    this.clientConfig = info.client_config
    this.mchid = info.mchid
    this._ca = this.caCert ? fs.readFileSync(this.caCert) : null
    this._exited = new Promise((resolve) => child.once('exit', resolve))
  }

  /** A `Client` for the test merchant; `overrides` replace configuration keys (`{ retries: 0 }`). */
  client(overrides = {}) {
    const config = JSON.parse(fs.readFileSync(this.clientConfig, 'utf8'))
    return Client.fromConfig({ ...config, ...overrides })
  }

  /**
   * The payer pays the order (`{ outTradeNo }` or `{ prepayId }`, `mchid`, `fail` for a code-pay
   * order waiting in USERPAYING): it becomes SUCCESS with a transaction_id and a signed
   * TRANSACTION.SUCCESS goes to its notify_url. Resolves to the order; rejects with a
   * SandboxError for a closed, reversed, paid or unknown order.
   */
  async pay(order = {}) {
    if (typeof order === 'string') order = { outTradeNo: order }
    const outTradeNo = order.outTradeNo ?? order.out_trade_no
    const prepayId = order.prepayId ?? order.prepay_id
    if ((outTradeNo == null) === (prepayId == null)) {
      throw new SandboxError('pay() takes { outTradeNo } or { prepayId } (one of them)')
    }
    const body = outTradeNo != null ? { out_trade_no: outTradeNo } : { prepay_id: prepayId }
    if (order.mchid != null) body.mchid = order.mchid
    if (order.fail) body.fail = true
    return this._control('POST', 'pay', body)
  }

  /** Each notification sent in the background so far: `{ id, event, about, url, delivered, deliveries }`. */
  deliveries() {
    return this._control('GET', 'deliveries')
  }

  /** Every API request the sandbox received (method, target, headers, body, status). */
  requests() {
    return this._control('GET', 'requests')
  }

  /** Forget every order, refund, fault and logged request. */
  async reset() {
    await this._control('POST', 'reset', {})
  }

  _control(method, where, body) {
    // `localhost`: the sandbox's certificate covers it.
    const url = new URL(where, this.controlUrl.replace('//127.0.0.1:', '//localhost:'))
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body))
    const transport = url.protocol === 'https:' ? https : http
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method,
          ca: this._ca || undefined,
          agent: false,
          headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {},
          timeout: 30000,
        },
        (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let parsed = null
            try {
              parsed = text ? JSON.parse(text) : null
            } catch {
              parsed = text
            }
            if (res.statusCode >= 200 && res.statusCode < 300) return resolve(parsed)
            const said = parsed && typeof parsed === 'object' && parsed.message ? parsed.message : text
            reject(new SandboxError(`sandbox ${method} /_sandbox/${where}: ${said} (HTTP ${res.statusCode})`, {
              status: res.statusCode,
              body: parsed,
            }))
          })
        },
      )
      req.on('timeout', () => req.destroy(new SandboxError(`sandbox ${method} /_sandbox/${where}: no answer in 30 s`)))
      req.on('error', (e) =>
        reject(e instanceof SandboxError ? e : new SandboxError(`sandbox ${method} /_sandbox/${where}: ${e.message}`)),
      )
      req.end(data || undefined)
    })
  }

  /** Stop the sandbox (its temporary folder goes with it). Safe to call twice. */
  async stop() {
    if (this._child.exitCode === null && this._child.signalCode === null) {
      this._child.kill('SIGTERM')
      const timer = setTimeout(() => this._child.kill('SIGKILL'), 10000)
      await this._exited
      clearTimeout(timer)
    }
  }

  async [Symbol.asyncDispose]() {
    await this.stop()
  }
}

/**
 * Start `wxpay sandbox` on a free loopback port; resolves once it serves.
 * Options: fastNotifications (default true), refundSettleMs, strict (default true), tls
 * (default true), stateDir, stateFile (orders and refunds kept in this JSON file across restarts), minCloseAgeS (300: HK and
 * Global refuse to close an order younger than that, as WeChat Pay does), cli (the `wxpay` path), timeoutMs (default 30000).
 */
function startSandbox(options = {}) {
  const args = ['sandbox']
  if (options.fastNotifications !== false) args.push('--fast-notifications')
  if (options.refundSettleMs != null) args.push('--refund-settle-ms', String(Math.trunc(options.refundSettleMs)))
  if (options.strict === false) args.push('--lenient')
  if (options.tls === false) args.push('--plain')
  if (options.stateDir != null) args.push('--state-dir', String(options.stateDir))
  if (options.stateFile != null) args.push('--state-file', String(options.stateFile))
  if (options.minCloseAgeS != null) args.push('--min-close-age-s', String(Math.trunc(options.minCloseAgeS)))
  let cli
  try {
    cli = findCli(options.cli)
  } catch (e) {
    return Promise.reject(e)
  }
  const timeoutMs = options.timeoutMs ?? 30000
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (d) => {
      if (stderr.length < 8192) stderr += d
    })
    const lines = readline.createInterface({ input: child.stdout })
    let settled = false
    const fail = (message) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      lines.close()
      child.kill('SIGKILL')
      reject(new SandboxError(message))
    }
    const timer = setTimeout(() => fail(`\`${cli} ${args.join(' ')}\` did not start within ${timeoutMs} ms: ${stderr.trim()}`), timeoutMs)
    child.once('error', (e) => fail(`cannot run ${cli}: ${e.message}`))
    child.once('exit', (code) => fail(`\`${cli} ${args.join(' ')}\` exited (${code}): ${stderr.trim()}`))
    lines.once('line', (line) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      lines.close()
      // The rest of stdout and the guide on stderr are for people: keep draining, never block.
      child.stdout.resume()
      child.stderr.resume()
      let info
      try {
        info = JSON.parse(line)
      } catch {
        child.kill('SIGKILL')
        return reject(new SandboxError(`the sandbox printed ${JSON.stringify(line)} instead of its start-up line`))
      }
      const sandbox = new Sandbox(child, info)
      // A test runner that forgets stop() must still be able to exit, and the sandbox goes with it.
      live.add(child)
      child.once('exit', () => live.delete(child))
      child.unref()
      child.stdout.unref?.()
      child.stderr.unref?.()
      resolve(sandbox)
    })
  })
}

module.exports = { startSandbox, Sandbox, SandboxError }
