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
    /** @var \ArrayObject<int, string>|null a client's buffered events (FfiDriver::eventsEnable) */
    public ?\ArrayObject $events = null;

    /** The FFI callback registered for this client, kept as long as the handle. */
    public ?\Closure $keep = null;

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
        $this->keep = null;
    }

    public function __destruct()
    {
        $this->release();
    }
}
