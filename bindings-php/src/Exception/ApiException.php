<?php
declare(strict_types=1);

namespace Wxpay\Exception;

use GuzzleHttp\Psr7\Response;
use Psr\Http\Message\ResponseInterface;

/**
 * WeChat Pay answered non-2xx (error code "API"): getHttpStatus(), getApiCode(),
 * getApiMessage(), getDetail(), getRequestId(), getBody(). Like Guzzle's RequestException it
 * offers getResponse(), built from the status, Request-ID and raw body.
 */
class ApiException extends WxpayException
{
    public const CODE = 'API';

    public function hasResponse(): bool
    {
        return true;
    }

    public function getResponse(): ResponseInterface
    {
        $headers = $this->getRequestId() !== null ? ['Request-ID' => $this->getRequestId()] : [];
        return new Response($this->getHttpStatus() ?? 0, $headers, $this->getBody() ?? '');
    }
}
