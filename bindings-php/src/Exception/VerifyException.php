<?php
declare(strict_types=1);

namespace Wxpay\Exception;

/** A 2xx answer failed signature, timestamp or serial checks: treat it as forged. Error code "VERIFY". */
class VerifyException extends WxpayException
{
    public const CODE = 'VERIFY';
}
