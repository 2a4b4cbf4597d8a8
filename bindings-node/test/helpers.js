'use strict'
// Start the real wxpay-sandbox over TLS and make clients that reach it at WeChat Pay's real host
// names through `resolve` + `caCerts`.
const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { Client } = require('..')

const ROOT = path.resolve(__dirname, '..', '..')
const FIXTURES = path.join(ROOT, 'tests', 'fixtures')
const VECTORS = path.join(ROOT, 'tests', 'vectors')

function sandboxBinary() {
  if (process.env.WXPAY_SANDBOX) return process.env.WXPAY_SANDBOX
  const bin = path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'debug', 'wxpay-sandbox')
  if (!fs.existsSync(bin)) execFileSync('cargo', ['build', '-q', '-p', 'wxpay-sandbox'], { cwd: ROOT, stdio: 'inherit' })
  return bin
}

async function startSandbox({ strict = false, args: extra = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxpay-node-'))
  const args = ['--tls', '--state-dir', dir, '--client-config', path.join(dir, 'c.json'), ...extra]
  if (strict) args.push('--strict')
  const proc = spawn(sandboxBinary(), args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout })
    rl.once('line', (l) => {
      rl.close()
      resolve(l)
    })
    proc.once('exit', (code) => reject(new Error(`wxpay-sandbox exited with ${code}`)))
  })
  const info = JSON.parse(line)
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'c.json'), 'utf8'))
  return {
    info,
    config,
    configPath: path.join(dir, 'c.json'),
    clientOptions(overrides = {}) {
      return {
        mchid: config.mchid,
        serial: config.serial,
        privateKey: config.private_key,
        certs: config.certs,
        caCerts: config.ca_certs,
        resolve: config.resolve,
        apiv3Key: config.apiv3_key,
        retries: 0,
        ...overrides,
      }
    },
    client(overrides) {
      return new Client(this.clientOptions(overrides))
    },
    stop() {
      proc.kill('SIGTERM')
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Drive the sandbox's control API through wxpay itself (its answers are signed). */
async function control(client, method, p, json) {
  const options = { base_uri: 'https://api.mch.weixin.qq.com/_sandbox/' }
  if (json !== undefined) options.json = json
  return (await client.request(method, p, options)).json()
}

module.exports = { startSandbox, control, FIXTURES, VECTORS, ROOT }
