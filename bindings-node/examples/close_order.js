'use strict'
// Close an order from Node with wxpay: the seed's call in the three styles, async and sync.
//
//   node bindings-node/examples/close_order.js CONFIG.json
//
// CONFIG.json is a wxpay client configuration (the one `wxpay-sandbox --client-config` writes
// reaches the sandbox at the real host names through resolve + ca_certs).
const { Client } = require('..')

const options = {
  base_uri: 'https://api.mch.weixin.qq.com/hk/',
  transaction_id: '1217752501201407033233368018',
  json: { mchid: '1230000109', sub_mchid: '1230000109', sp_mchid: '1230000109' },
}
const template = 'v3/transactions/id/{transaction_id}/close'

async function main(configPath) {
  const client = Client.fromConfig(configPath)
  const async = await Promise.all([
    client.v3.transactions.id._transaction_id_.close.post(options),
    client.chain(template).post(options),
    client[template].post(options),
  ])
  console.log('Node async (chain, declarative, index):', async.map((r) => r.status))
  const sync = [
    client.v3.transactions.id._transaction_id_.close.postSync(options),
    client.chain(template).postSync(options),
    client[template].postSync(options),
  ]
  console.log('Node sync  (chain, declarative, index):', sync.map((r) => r.status))
  const r = await client.closeTransaction('1217752501201407033233368018')
  console.log(`Node typed closeTransaction: ${r.status}, Request-ID ${r.requestId}`)
}

if (process.argv.length !== 3) {
  console.error('usage: node close_order.js CONFIG.json')
  process.exit(2)
}
main(process.argv[2]).catch((e) => {
  console.error(`${e.name} [${e.code}]: ${e.message}`)
  process.exit(1)
})
