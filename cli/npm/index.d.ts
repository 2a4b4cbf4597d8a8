/** The platforms a `wxpay` binary is published for (`${platform}-${arch}-${libc}`). */
export declare const PLATFORMS: readonly string[]
/**
 * The absolute path of the `wxpay` executable for this platform (from the optional dependency
 * `@wxpay/cli-<platform>`). Throws an `Error` whose `code` is `WXPAY_CLI_UNSUPPORTED` or
 * `WXPAY_CLI_MISSING`, with a message that says what to install.
 */
export declare function binaryPath(): string
