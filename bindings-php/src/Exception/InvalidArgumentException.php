<?php
declare(strict_types=1);

namespace Wxpay\Exception;

/** Bad call arguments; nothing was sent. Error code "INVALID_ARGUMENT". */
class InvalidArgumentException extends WxpayException
{
    public const CODE = 'INVALID_ARGUMENT';
}
