<?php
declare(strict_types=1);

namespace Wxpay\Exception;

/** Connection or TLS failure; see mayHaveBeenSent(). Error code "TRANSPORT". */
class TransportException extends WxpayException
{
    public const CODE = 'TRANSPORT';
}
