<?php
declare(strict_types=1);

namespace Wxpay\Driver;

use FFI\CData;

/**
 * A native handle held through FFI (a wxpay_client_t* or wxpay_future_t*), freed with its
 * `_free` function when the last reference goes, or earlier by `release()`.
 *
 * @internal
 */
final class FfiHandle
{
    /** @param \Closure(CData): void $free */
    public function __construct(public ?CData $ptr, private \Closure $free)
    {
    }

    public function release(): void
    {
        if ($this->ptr !== null) {
            ($this->free)($this->ptr);
            $this->ptr = null;
        }
    }

    public function __destruct()
    {
        $this->release();
    }
}
