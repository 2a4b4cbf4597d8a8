<?php
declare(strict_types=1);

namespace Wxpay\Exception;

/** No complete answer in time; the request may have been sent. Error code "TIMEOUT". */
class TimeoutException extends WxpayException
{
    public const CODE = 'TIMEOUT';
}
