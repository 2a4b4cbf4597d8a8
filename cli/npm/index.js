'use strict'
// The wxpay command line ships as one binary per platform, each in its own package
// (@wxpay/cli-<platform>), installed by npm as an optional dependency of this one — the way
// biome and esbuild ship theirs. binaryPath() finds the one for this machine.

const fs = require('node:fs')
const path = require('node:path')

/** The platforms a binary is published for: `${process.platform}-${process.arch}-${libc}`. */
const PLATFORMS = ['linux-x64-gnu']

function platformKey() {
  let key = `${process.platform}-${process.arch}`
  if (process.platform === 'linux') {
    // glibc reports its version; musl (Alpine) does not.
    const header = process.report && typeof process.report.getReport === 'function' ? process.report.getReport().header : {}
    key += header && header.glibcVersionRuntime ? '-gnu' : '-musl'
  }
  return key
}

/**
 * The absolute path of the `wxpay` executable for this platform.
 * @throws {Error} with `code` WXPAY_CLI_UNSUPPORTED (no binary is published for this platform) or
 *   WXPAY_CLI_MISSING (its package is not installed), and a message that says what to install.
 */
function binaryPath() {
  const key = platformKey()
  if (!PLATFORMS.includes(key)) {
    const err = new Error(
      `no wxpay CLI binary is published for ${key} (binaries exist for: ${PLATFORMS.join(', ')}): ` +
        'build it from source with `cargo install --path cli` in a wxpay checkout, then put it on PATH',
    )
    err.code = 'WXPAY_CLI_UNSUPPORTED'
    throw err
  }
  const pkg = `@wxpay/cli-${key}`
  let dir
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`))
  } catch {
    const err = new Error(
      `${pkg}, the wxpay CLI binary for this platform, is not installed: npm installs it with @wxpay/cli ` +
        `unless optional dependencies are omitted — run \`npm install --include=optional @wxpay/cli\` (or \`npm install ${pkg}\`)`,
    )
    err.code = 'WXPAY_CLI_MISSING'
    throw err
  }
  const exe = path.join(dir, 'bin', 'wxpay')
  try {
    fs.accessSync(exe, fs.constants.X_OK)
  } catch {
    const err = new Error(`${exe} (from ${pkg}) is missing or not executable: reinstall ${pkg}`)
    err.code = 'WXPAY_CLI_MISSING'
    throw err
  }
  return exe
}

module.exports = { binaryPath, PLATFORMS }
