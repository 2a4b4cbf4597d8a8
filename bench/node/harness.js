'use strict'
// Shared measuring loop of the Node bench clients (bench/README.md describes the protocol).
// A client supplies `async call()` that rejects unless the close call answered 204; BENCH_C
// async workers share BENCH_N calls. Prints one JSON line: wall time, the process's user and
// system CPU over the measured calls (process.cpuUsage: all threads), peak and current RSS,
// and each call's latency in microseconds.

function envInt(name, dflt) {
  const v = process.env[name]
  if (v === undefined || v === '') return dflt
  if (!/^\d+$/.test(v)) {
    console.error(`bench: ${name}=${v} is not a whole number`)
    process.exit(2)
  }
  return Number(v)
}

const fs = require('fs')

// Reset the peak-RSS counter (Linux), so that VmHWM read at the end covers only what follows.
function resetPeakRss() {
  try { fs.writeFileSync('/proc/self/clear_refs', '5') } catch { /* not Linux */ }
}

function peakRssKb() {
  const m = /^VmHWM:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) : 0
}

const rssNowKb = () => Math.round(process.memoryUsage.rss() / 1024)

async function workers(call, n, c, onDone) {
  let next = 0
  async function worker() {
    while (next < n) {
      const i = next++
      const t0 = process.hrtime.bigint()
      await call()
      onDone(i, t0)
    }
  }
  await Promise.all(Array.from({ length: c }, worker))
}

async function main(call) {
  const n = envInt('BENCH_N', 1000)
  const c = Math.max(1, envInt('BENCH_C', 1))
  const rssAt = envInt('BENCH_RSS_AT', 0)
  // Preallocated and touched, so recording latencies does not grow the RSS being measured.
  const lat = envInt('BENCH_LATENCIES', 1) ? new Uint32Array(n).fill(1).fill(0) : null
  await workers(call, envInt('BENCH_WARMUP', 100), c, () => {})

  let done = 0
  let rssAtKb = 0
  const series = []
  const cpu0 = process.cpuUsage()
  const switches = () => {
    const r = process.resourceUsage()
    return r.voluntaryContextSwitches + r.involuntaryContextSwitches
  }
  const ctx0 = switches()
  const t0 = process.hrtime.bigint()
  await workers(call, n, c, (i, start) => {
    if (lat) lat[i] = Number((process.hrtime.bigint() - start) / 1000n)
    done++
    if (done === rssAt) {
      resetPeakRss()
      rssAtKb = rssNowKb()
    }
    if (rssAt && (done === rssAt || done % Math.max(1, Math.floor(n / 10)) === 0)) series.push([done, rssNowKb()])
  })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  console.log(JSON.stringify({
    n, c, wall_s: wall,
    cpu_user_s: cpu.user / 1e6, cpu_sys_s: cpu.system / 1e6, ctxsw: switches() - ctx0,
    maxrss_kb: process.resourceUsage().maxRSS, rss_at_kb: rssAtKb,
    rss_end_kb: rssNowKb(),
    peak_after_kb: rssAt ? peakRssKb() : 0,
    rss_series_kb: series,
    lat_us: lat ? Array.from(lat) : [],
  }))
}

module.exports = {
  run(call) {
    main(call).catch((e) => {
      console.error(`bench: ${e && e.stack ? e.stack : e}`)
      process.exit(1)
    })
  },
}
