// Compiled with types.ts (tsc --strict): the typings of the calls generated from the catalogue
// (calls.d.ts) cover real usage and reject misuse.
import { CallResult, Client, InvalidArgumentError, QueryOutTradeNoOptions, Transaction, catalogue } from '..'

export async function typedCalls(client: Client): Promise<void> {
  const t: Transaction = await client.queryOutTradeNo('shop-1', { endpoint: 'mainland', subMchid: '1900000109' })
  const state: string = t.tradeState
  const id: string | null = t.transactionId
  const total: number | null = t.total
  const again: Transaction = client.queryTransactionSync('4200000001')
  const opts: QueryOutTradeNoOptions = { endpoint: 'hk' }
  const r: CallResult = await client.call('query_out_trade_no', { out_trade_no: 'shop-1' })
  const names: string[] = catalogue().calls.map((c) => c.name)
  try {
    client.callSync('query_out_trade_no', {})
  } catch (e) {
    if (e instanceof InvalidArgumentError) {
      const argument: string | null = e.argument
      console.log(argument)
    }
  }
  console.log(state, id, total, again.raw, opts, r.status, names)
  // @ts-expect-error: close by transaction id is HK/Global only
  await client.closeTransaction('1', { endpoint: 'mainland' })
  // @ts-expect-error: the lead is a string
  await client.queryTransaction(42)
  // @ts-expect-error: unknown option
  await client.queryOutTradeNo('shop-1', { subMerchant: '1' })
}
