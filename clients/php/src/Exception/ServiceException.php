<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Exception;

/**
 * The sidecar answered the call with an error. `getErrorCode()` is the
 * stable code (INVALID_PARAMS, TIMEOUT, UNKNOWN_METHOD... see the daemon's
 * docs/errors.md), or null for an error text without one (Go net/rpc texts
 * such as "rpc: can't find method App.Nope", or a handler's bare message).
 * `getData()` is the error's structured data (KAFKA_BATCH_PARTIAL's lists,
 * RATE_LIMITED's retryInMs, an actor's own), or null.
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

    /** Starts the line of a Goridge error text that carries the error's data as JSON. */
    public const GORIDGE_DATA_PREFIX = "\ndata: ";

    /**
     * A Goridge error text is `CODE: message` for coded errors, else the bare
     * text; when the error has data, a last line `data: <JSON>` follows. The
     * data line is the text after the last "\ndata: " when that parses as JSON
     * (JSON holds no raw newline); otherwise the whole text is the message.
     */
    public static function fromGoridgeText(string $text, string $method): self
    {
        $data = null;
        $at = strrpos($text, self::GORIDGE_DATA_PREFIX);
        if ($at !== false) {
            try {
                $data = json_decode(substr($text, $at + strlen(self::GORIDGE_DATA_PREFIX)), true, 512, JSON_THROW_ON_ERROR);
                $text = substr($text, 0, $at);
            } catch (\JsonException) {
                $data = null; // not a data line: part of the message
            }
        }
        $code = preg_match('/^([A-Z][A-Z0-9_]*): /', $text, $m) === 1 ? $m[1] : null;
        return new self($text, $code, $method, $data);
    }

    public function getErrorCode(): ?string
    {
        return $this->errorCode;
    }

    /** The error text as the sidecar sent it (code prefix included), without the data line. */
    public function getErrorText(): string
    {
        return $this->errorText;
    }

    public function getMethod(): string
    {
        return $this->method;
    }

    /** Structured details the daemon attached (over Goridge and binary IPC alike), or null. */
    public function getData(): mixed
    {
        return $this->data;
    }
}
