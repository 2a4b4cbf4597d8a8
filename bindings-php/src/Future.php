<?php
declare(strict_types=1);

namespace Wxpay;

use FFI as PhpFfi;
use FFI\CData;
use Wxpay\Exception\InternalException;

/**
 * A native call in flight (wxpay_future_t): waited on from PHP's own thread, freed on
 * destruction (which cancels it if still pending).
 *
 * @internal
 */
final class Future
{
    private ?CData $handle;

    public function __construct(private PhpFfi $ffi, CData $handle)
    {
        $this->handle = $handle;
    }

    /** Block until the call finishes; the owned wxpay_response_t, or throws its error. */
    public function wait(): CData
    {
        if ($this->handle === null) {
            throw new InternalException('the call was cancelled before it was waited on', ['code' => 'INTERNAL']);
        }
        $this->ffi->wxpay_future_wait($this->handle, -1);
        $out = $this->ffi->new('wxpay_response_t*');
        $err = $this->ffi->new('wxpay_error_t*');
        $status = $this->ffi->wxpay_future_take($this->handle, PhpFfi::addr($out), PhpFfi::addr($err));
        $this->cancel();
        if ($status !== 0) {
            throw Ffi::exception($this->ffi, $err);
        }
        return $out;
    }

    /** Poll without blocking: true once the call has finished. */
    public function isDone(): bool
    {
        return $this->handle !== null && $this->ffi->wxpay_future_poll($this->handle) !== 1;
    }

    public function cancel(): void
    {
        if ($this->handle !== null) {
            $this->ffi->wxpay_future_free($this->handle);
            $this->handle = null;
        }
    }

    public function __destruct()
    {
        $this->cancel();
    }
}
