'use strict'
// `npm pack` / `npm publish` guard: no tarball ships without its binary. The package must carry
// a built addon for every target in package.json's napi.targets, either in itself
// (wxpay.<platform>.node, a development pack) or as an optional dependency on the platform
// package napi-rs's loader requires (@wxpay/native-<platform>, what `make dist` makes).
const fs = require('node:fs')
const path = require('node:path')
const pkg = require('./package.json')
const platformOf = {
  'x86_64-unknown-linux-gnu': 'linux-x64-gnu',
  'aarch64-unknown-linux-gnu': 'linux-arm64-gnu',
  'x86_64-unknown-linux-musl': 'linux-x64-musl',
  'aarch64-unknown-linux-musl': 'linux-arm64-musl',
  'x86_64-apple-darwin': 'darwin-x64',
  'aarch64-apple-darwin': 'darwin-arm64',
  'x86_64-pc-windows-msvc': 'win32-x64-msvc',
}
const missing = []
for (const target of pkg.napi.targets) {
  const platform = platformOf[target] ?? target
  const local = path.join(__dirname, `${pkg.napi.binaryName}.${platform}.node`)
  const dependency = `${pkg.napi.packageName}-${platform}`
  if (!fs.existsSync(local) && !(pkg.optionalDependencies && pkg.optionalDependencies[dependency])) {
    missing.push(`${target}: neither ${path.basename(local)} nor an optional dependency on ${dependency}`)
  }
}
if (missing.length) {
  console.error(`refusing to pack ${pkg.name} without its native addon:\n  ${missing.join('\n  ')}\nbuild it (npm run build) or use \`make dist\`, which makes the platform packages`)
  process.exit(1)
}
