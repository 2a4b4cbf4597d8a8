<?php
declare(strict_types=1);

namespace Wxpay\Exception;

/** An answer that cannot be understood (e.g. 200 where 204 is due). Error code "DECODE". */
class DecodeException extends WxpayException
{
    public const CODE = 'DECODE';
}
