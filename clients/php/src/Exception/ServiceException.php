<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Exception;

/**
 * The sidecar answered the call with an error. `getErrorCode()` is the
 * stable code (INVALID_PARAMS, TIMEOUT, UNKNOWN_METHOD... see the daemon's
 * docs/errors.md), or null for an error text without one (Go net/rpc texts
 * such as "rpc: can't find method App.Nope", or a handler's bare message).
 * The exception message is "<method>: <error text>".
 */
class ServiceException extends SidecarException
{
    public function __construct(
        private readonly string $errorText,
        private readonly ?string $errorCode = null,
        private readonly string $method = '',
        private readonly mixed $data = null,
    ) {
        parent::__construct($method === '' ? $errorText : "$method: $errorText");
    }

    /** A Goridge error text is `CODE: message` for coded errors, else the bare text. */
    public static function fromGoridgeText(string $text, string $method): self
    {
        $code = preg_match('/^([A-Z][A-Z0-9_]*): /', $text, $m) === 1 ? $m[1] : null;
        return new self($text, $code, $method);
    }

    public function getErrorCode(): ?string
    {
        return $this->errorCode;
    }

    /** The error text as the sidecar sent it (code prefix included). */
    public function getErrorText(): string
    {
        return $this->errorText;
    }

    public function getMethod(): string
    {
        return $this->method;
    }

    /** Structured details the daemon attached (binary IPC errors only). */
    public function getData(): mixed
    {
        return $this->data;
    }
}
