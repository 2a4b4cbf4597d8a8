<?php
declare(strict_types=1);

namespace Wxpay\Exception;

/** Bad configuration or key material; nothing was sent. Error code "CONFIG". */
class ConfigException extends WxpayException
{
    public const CODE = 'CONFIG';
}
