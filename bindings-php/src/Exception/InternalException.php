<?php
declare(strict_types=1);

namespace Wxpay\Exception;

/** A bug caught at the boundary; please report it. Error code "INTERNAL". */
class InternalException extends WxpayException
{
    public const CODE = 'INTERNAL';
}
