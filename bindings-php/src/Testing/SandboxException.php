<?php
declare(strict_types=1);

namespace Wxpay\Testing;

/**
 * The sandbox could not start, or its control API refused what was asked: `getStatus()` is the
 * control API's HTTP status (0 when it did not answer), `getBody()` its answer (`code`, `message`).
 */
final class SandboxException extends \RuntimeException
{
    public function __construct(string $message, private readonly int $status = 0, private readonly mixed $body = null)
    {
        parent::__construct($message);
    }

    public function getStatus(): int
    {
        return $this->status;
    }

    public function getBody(): mixed
    {
        return $this->body;
    }
}
