<?php
declare(strict_types=1);

namespace Wxpay;

use Wxpay\Driver\Driver;
use Wxpay\Exception\InternalException;

/**
 * A native call in flight: waited on from PHP's own thread, freed on destruction (which
 * cancels it if still pending).
 *
 * @internal
 */
final class Future
{
    private ?object $handle;

    public function __construct(private Driver $driver, object $handle)
    {
        $this->handle = $handle;
    }

    /**
     * Block until the call finishes; its [status, headersJson, body], or throws its error.
     *
     * @return array{0: int, 1: string, 2: string, 3: string|null}
     */
    public function wait(): array
    {
        if ($this->handle === null) {
            throw new InternalException('the call was cancelled before it was waited on', ['code' => 'INTERNAL']);
        }
        $handle = $this->handle;
        $this->handle = null;
        return $this->driver->futureWait($handle);
    }

    /** Poll without blocking: true once the call has finished. */
    public function isDone(): bool
    {
        return $this->handle !== null && $this->driver->futureDone($this->handle);
    }

    public function cancel(): void
    {
        if ($this->handle !== null) {
            $this->driver->futureCancel($this->handle);
            $this->handle = null;
        }
    }

    public function __destruct()
    {
        $this->cancel();
    }
}
