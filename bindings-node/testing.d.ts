// Types of `wxpay/testing` (testing.js): a local WeChat Pay for tests (TEST ONLY).
import type { Client, CoreConfig } from './index'

/** The sandbox could not start, or its control API refused what was asked. */
export declare class SandboxError extends Error {
  readonly code: 'SANDBOX'
  /** The control API's HTTP status, when it answered. */
  readonly status: number | null
  /** The control API's answer (`{ code, message }`), when it answered. */
  readonly body: unknown
}

export interface StartSandboxOptions {
  /** Redeliveries after a failing handler milliseconds apart instead of WeChat Pay's minutes (default true). */
  fastNotifications?: boolean
  /** How long a refund stays PROCESSING before SUCCESS (default 100). */
  refundSettleMs?: number
  /** Unknown orders answer ORDER_NOT_EXIST, as WeChat Pay does (default true). */
  strict?: boolean
  /** HTTPS with a generated CA (default true). */
  tls?: boolean
  /** Keep the CA, keys and client.json there instead of a temporary folder. */
  stateDir?: string
  /** Keep orders and refunds in this JSON file, so they survive a restart (default: in memory). */
  stateFile?: string
  /** HK and Global refuse to close an order younger than this many seconds (WeChat Pay: 300; default 0). */
  minCloseAgeS?: number
  /** The `wxpay` command (default: WXPAY_CLI, then the @wxpay/cli package, then `wxpay` on PATH). */
  cli?: string
  /** How long to wait for it to serve (default 30000). */
  timeoutMs?: number
}

/** An order as the sandbox keeps it (the answer of `pay`). */
export interface SandboxOrder {
  out_trade_no: string
  transaction_id: string
  trade_state: string
  [field: string]: unknown
}

/** One notification sent in the background. */
export interface SandboxDelivery {
  id: string
  event: string
  about: string | null
  url: string
  delivered: boolean
  deliveries: Array<{ status: number; body: string }>
  [field: string]: unknown
}

export declare class Sandbox {
  /** Everything the sandbox printed at start (url, ca_cert, client_config, mchid…). */
  readonly info: Record<string, unknown>
  readonly url: string
  readonly controlUrl: string
  readonly caCert: string | null
  /** A client configuration file for the test merchant. */
  readonly clientConfig: string
  readonly mchid: string
  /** A client for the test merchant; `overrides` replace configuration keys. */
  client(overrides?: Partial<CoreConfig>): Client
  /** The payer pays (by out_trade_no or prepay_id); a TRANSACTION.SUCCESS goes to the order's notify_url. */
  pay(order: string | { outTradeNo: string; mchid?: string; fail?: boolean } | { prepayId: string; mchid?: string; fail?: boolean }): Promise<SandboxOrder>
  deliveries(): Promise<SandboxDelivery[]>
  requests(): Promise<Array<Record<string, unknown>>>
  reset(): Promise<void>
  /** Stop it (its temporary folder goes with it); safe to call twice. */
  stop(): Promise<void>
}

/** Start `wxpay sandbox` on a free loopback port; resolves once it serves. */
export declare function startSandbox(options?: StartSandboxOptions): Promise<Sandbox>
