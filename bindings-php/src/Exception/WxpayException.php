<?php
declare(strict_types=1);

namespace Wxpay\Exception;

/**
 * Base class of every wxpay error. It carries the same data as the C error object:
 * the stable code string (`getErrorCode()`: CONFIG, INVALID_ARGUMENT, TRANSPORT, TIMEOUT, API,
 * VERIFY, DECODE, INTERNAL), the message, the HTTP status, WeChat Pay's code and message, the
 * detail object, the Request-ID, whether the request may have been sent, and the raw body.
 * `getCode()` (PHP's integer code) is the HTTP status, or 0.
 */
class WxpayException extends \RuntimeException
{
    /** @var array<string, mixed> */
    private array $data;

    /** @param array<string, mixed> $data the error as wxpay_error_json gives it */
    final public function __construct(string $message, array $data = [], ?\Throwable $previous = null)
    {
        parent::__construct($message, (int) ($data['status'] ?? 0), $previous);
        $this->data = $data;
    }

    /** The error of the library's error JSON (what either native driver hands over). */
    public static function fromJson(string $json): self
    {
        $data = json_decode($json, true);
        if (!is_array($data)) {
            $data = ['code' => 'INTERNAL', 'message' => 'wxpay returned an unreadable error'];
        }
        return self::fromArray($data);
    }

    /** @param array<string, mixed> $data */
    public static function fromArray(array $data): self
    {
        $class = [
            'CONFIG' => ConfigException::class,
            'INVALID_ARGUMENT' => InvalidArgumentException::class,
            'TRANSPORT' => TransportException::class,
            'TIMEOUT' => TimeoutException::class,
            'API' => ApiException::class,
            'VERIFY' => VerifyException::class,
            'DECODE' => DecodeException::class,
        ][$data['code'] ?? ''] ?? InternalException::class;
        return new $class((string) ($data['message'] ?? ''), $data);
    }

    /** The stable code string shared by every language, e.g. "API". */
    public function getErrorCode(): string
    {
        return (string) ($this->data['code'] ?? static::CODE);
    }

    public const CODE = 'INTERNAL';

    /** HTTP status of the answer this error is about, or null when none arrived. */
    public function getHttpStatus(): ?int
    {
        return isset($this->data['status']) ? (int) $this->data['status'] : null;
    }

    /** WeChat Pay's error code (e.g. "ORDER_NOT_EXIST") for API errors. */
    public function getApiCode(): ?string
    {
        return $this->data['api_code'] ?? null;
    }

    /** WeChat Pay's error message for API errors. */
    public function getApiMessage(): ?string
    {
        return $this->data['api_message'] ?? null;
    }

    /** The `detail` object of an API error (`field`, `value`, `issue`, `location`), if any. */
    public function getDetail(): mixed
    {
        return $this->data['detail'] ?? null;
    }

    /** For SIGN_ERROR: the server's `sign_information`, if any. */
    public function getSignInformation(): mixed
    {
        return $this->data['sign_information'] ?? null;
    }

    /** The `Request-ID` of the answer this error is about; quote it to WeChat Pay support. */
    public function getRequestId(): ?string
    {
        return $this->data['request_id'] ?? null;
    }

    /** False only when the request certainly did not reach WeChat Pay (safe to retry). */
    public function mayHaveBeenSent(): bool
    {
        return (bool) ($this->data['may_have_been_sent'] ?? true);
    }

    /** For VERIFY errors: MISSING_HEADERS, MALFORMED_HEADERS, TIMESTAMP_SKEW, UNKNOWN_SERIAL, BAD_SIGNATURE, SIGNTEST (a WECHATPAY/SIGNTEST/ probe), CERTIFICATE_EXPIRED or DIGEST_MISMATCH (a downloaded file). */
    public function getVerifyFailure(): ?string
    {
        return $this->data['verify_failure'] ?? null;
    }

    /** The raw answer body of an API error. */
    public function getBody(): ?string
    {
        return $this->data['body'] ?? null;
    }

    /** @return array<string, mixed> everything above, as the C ABI's wxpay_error_json gives it */
    public function toArray(): array
    {
        return $this->data;
    }
}
