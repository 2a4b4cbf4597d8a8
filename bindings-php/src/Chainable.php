<?php
declare(strict_types=1);

namespace Wxpay;

use GuzzleHttp\Promise\PromiseInterface;
use Psr\Http\Message\ResponseInterface;

/**
 * A point in the URI chain, as the PHP SDK's BuilderChainable: property access
 * (`$instance->v3->transactions->id->_transaction_id_->close`), `chain('v3/…')` and array
 * access (`$instance['v3/…']`) all extend it; the verbs send. Segment names are normalised by
 * the core exactly as the PHP SDK does (`_transaction_id_` → `{transaction_id}`,
 * `camelCase` → `camel-case`).
 *
 * @implements \ArrayAccess<string, Chainable>
 */
final class Chainable implements \ArrayAccess
{
    private ?string $template = null;

    /** @param list<string> $segments */
    public function __construct(private Client $client, private array $segments = [])
    {
    }

    /** The client behind this chain (the PHP SDK calls it the driver). */
    public function getDriver(): Client
    {
        return $this->client;
    }

    public function __get(string $name): self
    {
        return $this->offsetGet($name);
    }

    public function __isset(string $name): bool
    {
        return true;
    }

    public function chain(string $segment): self
    {
        return $this->offsetGet($segment);
    }

    public function offsetExists(mixed $offset): bool
    {
        return true;
    }

    public function offsetGet(mixed $offset): self
    {
        if (!is_string($offset) && !is_int($offset)) {
            throw new Exception\InvalidArgumentException('a chain segment must be a string', ['code' => 'INVALID_ARGUMENT', 'may_have_been_sent' => false]);
        }
        return new self($this->client, [...$this->segments, (string) $offset]);
    }

    public function offsetSet(mixed $offset, mixed $value): void
    {
        throw new \LogicException('the wxpay chain is read-only');
    }

    public function offsetUnset(mixed $offset): void
    {
        throw new \LogicException('the wxpay chain is read-only');
    }

    /** The URI template this chain point stands for, e.g. `v3/transactions/id/{transaction_id}/close`. */
    public function pathname(): string
    {
        return $this->template ??= $this->client->chainTemplate($this->segments);
    }

    /** @param array<string, mixed> $options */
    public function get(array $options = []): ResponseInterface
    {
        return $this->client->request('GET', $this->pathname(), $options);
    }

    /** @param array<string, mixed> $options */
    public function post(array $options = []): ResponseInterface
    {
        return $this->client->request('POST', $this->pathname(), $options);
    }

    /** @param array<string, mixed> $options */
    public function put(array $options = []): ResponseInterface
    {
        return $this->client->request('PUT', $this->pathname(), $options);
    }

    /** @param array<string, mixed> $options */
    public function patch(array $options = []): ResponseInterface
    {
        return $this->client->request('PATCH', $this->pathname(), $options);
    }

    /** @param array<string, mixed> $options */
    public function delete(array $options = []): ResponseInterface
    {
        return $this->client->request('DELETE', $this->pathname(), $options);
    }

    /** @param array<string, mixed> $options */
    public function getAsync(array $options = []): PromiseInterface
    {
        return $this->client->requestAsync('GET', $this->pathname(), $options);
    }

    /** @param array<string, mixed> $options */
    public function postAsync(array $options = []): PromiseInterface
    {
        return $this->client->requestAsync('POST', $this->pathname(), $options);
    }

    /** @param array<string, mixed> $options */
    public function putAsync(array $options = []): PromiseInterface
    {
        return $this->client->requestAsync('PUT', $this->pathname(), $options);
    }

    /** @param array<string, mixed> $options */
    public function patchAsync(array $options = []): PromiseInterface
    {
        return $this->client->requestAsync('PATCH', $this->pathname(), $options);
    }

    /** @param array<string, mixed> $options */
    public function deleteAsync(array $options = []): PromiseInterface
    {
        return $this->client->requestAsync('DELETE', $this->pathname(), $options);
    }
}
