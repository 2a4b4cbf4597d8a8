// Type-checked (tsc --strict, npm run typecheck) against testing.d.ts: how a merchant's test uses
// `wxpay/testing`. Not run.
import { startSandbox, SandboxError } from 'wxpay/testing'

async function checkout(): Promise<string> {
  const sandbox = await startSandbox({ fastNotifications: true, refundSettleMs: 50 })
  try {
    const client = sandbox.client({ retries: 0 })
    const order = await client.createNative({ outTradeNo: 'T-1', description: 'Tea', amount: 100, appid: 'wx1', notifyUrl: 'http://127.0.0.1:9/n' })
    const paid = await sandbox.pay({ outTradeNo: 'T-1' })
    const byPrepay = await sandbox.pay({ prepayId: 'wx2', fail: true })
    const deliveries = await sandbox.deliveries()
    const first: boolean | undefined = deliveries[0]?.delivered
    void first
    return order.codeUrl + paid.trade_state + byPrepay.transaction_id
  } catch (e) {
    if (e instanceof SandboxError) return `${e.code} ${e.status ?? ''}`
    throw e
  } finally {
    await sandbox.stop()
  }
}
void checkout
