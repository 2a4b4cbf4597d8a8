'use strict'
// Bench client: the wxpay Node addon, the seed's close call in index style,
// `await client[TEMPLATE].post(options)` from BENCH_C async workers. bench/run.py points
// NAPI_RS_NATIVE_LIBRARY_PATH at the release build of the addon. See bench/README.md.
const { Client } = require('../../bindings-node')
const harness = require('./harness')

const TEMPLATE = 'v3/transactions/id/{transaction_id}/close'
const OPTIONS = {
  base_uri: 'https://api.mch.weixin.qq.com/hk/',
  transaction_id: '1217752501201407033233368018',
  json: { mchid: '1230000109', sub_mchid: '1230000109', sp_mchid: '1230000109' },
}

const endpoint = Client.fromConfig(process.env.BENCH_CONFIG)[TEMPLATE]

harness.run(async () => {
  const r = await endpoint.post(OPTIONS)
  if (r.status !== 204) throw new Error(`close call answered ${r.status}, not 204`)
})
