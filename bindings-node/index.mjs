// ESM entry point: the same API as the CommonJS one (index.js).
import wxpay from './index.js'

export const {
  Client,
  Response,
  WxpayError,
  ConfigError,
  InvalidArgumentError,
  TransportError,
  TimeoutError,
  ApiError,
  VerifyError,
  DecodeError,
  InternalError,
  notificationAnswer,
  catalogue,
  setClientCache,
  version,
} = wxpay
export default wxpay
