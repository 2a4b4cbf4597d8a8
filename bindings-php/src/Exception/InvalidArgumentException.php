<?php
declare(strict_types=1);

namespace Wxpay\Exception;

/** Bad call arguments; nothing was sent. Error code "INVALID_ARGUMENT". */
class InvalidArgumentException extends WxpayException
{
    public const CODE = 'INVALID_ARGUMENT';

    /**
     * The argument at fault as the call catalogue names it ('amount', 'out_trade_no'), when
     * the core knows it; else null.
     */
    public function getArgument(): ?string
    {
        $argument = $this->toArray()['argument'] ?? null;
        return is_string($argument) ? $argument : null;
    }
}
