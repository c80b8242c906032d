import { OutriggerError } from '../../../runtime/errors/error.ts';

/**
 * The App API's PHP client sends its payload as `json_encode($payload)` through
 * goridge's JSON codec, so the body is a JSON string holding JSON (encoded
 * twice); a client may also send the array itself. Both arrive here: a
 * string (or raw bytes) is parsed once more, anything else is taken as is.
 */
export function unwrapPayload(params: unknown, field: string): unknown {
  let text: string;
  if (typeof params === 'string') text = params;
  else if (params instanceof Uint8Array) text = Buffer.from(params.buffer, params.byteOffset, params.length).toString('utf8');
  else return params;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new OutriggerError(
      'MALFORMED_JSON',
      `${field}: a string payload must hold JSON (PHP: json_encode of the array, or pass the array itself): ${(err as Error).message}`,
      { fields: [field] },
    );
  }
}
