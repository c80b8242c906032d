/*
 * Newline-delimited framing: splits a byte stream into lines. Pure: no
 * sockets, no timers.
 *
 *   stream   <line>\n<line>\n...   "\r\n" is accepted; blank lines are skipped.
 *
 * A line longer than the cap (bytes, newline excluded) is reported once and
 * then discarded up to its newline without being held in memory.
 */

import { PartialBytes } from './partial-bytes.ts';

export interface LineError {
  code: 'LINE_TOO_LONG';
  message: string;
}

export type LineHandler = (line: Buffer) => void;
export type LineErrorHandler = (error: LineError) => void;

const NL = 0x0a;
const CR = 0x0d;

/**
 * Bytes are only split at 0x0A, which never occurs inside a multi-byte UTF-8
 * sequence, so a character cut across chunks is reassembled intact. The start
 * of a line cut across chunks is gathered as it arrives (PartialBytes) and
 * copied once when its newline comes.
 */
export class LineDecoder {
  readonly #partial = new PartialBytes();
  #discarding = false;

  constructor(readonly maxLineBytes: number) {}

  /** Bytes held for an incomplete line (0 between lines; never more than the cap + 1). */
  get partialBytes(): number {
    return this.#partial.length;
  }


  push(chunk: Buffer, onLine: LineHandler, onError: LineErrorHandler): void {
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, pos);
      if (nl < 0) break;
      if (this.#discarding) this.#discarding = false;
      else this.#emit(chunk.subarray(pos, nl), onLine, onError);
      pos = nl + 1;
    }
    if (pos >= chunk.length || this.#discarding) return;
    const rest = chunk.length - pos;
    // +1: the line may still end in "\r\n", whose \r does not count.
    if (this.#partial.length + rest > this.maxLineBytes + 1) {
      this.#tooLong(this.#partial.length + rest, onError);
      this.#partial.clear();
      this.#discarding = true;
      return;
    }
    this.#partial.append(chunk.subarray(pos));
  }

  #emit(tail: Buffer, onLine: LineHandler, onError: LineErrorHandler): void {
    let line = tail;
    if (this.#partial.length > 0) {
      this.#partial.append(tail);
      line = this.#partial.take();
    }
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    if (end > this.maxLineBytes) return this.#tooLong(end, onError);
    if (isBlank(line, end)) return;
    onLine(end === line.length ? line : line.subarray(0, end));
  }

  #tooLong(seen: number, onError: LineErrorHandler): void {
    onError(lineTooLong(this.maxLineBytes, seen));
  }
}

function lineTooLong(max: number, seen: number): LineError {
  return { code: 'LINE_TOO_LONG', message: `line exceeds the cap of ${max} bytes (${seen}+ bytes seen); it was skipped` };
}

function isBlank(b: Buffer, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}
