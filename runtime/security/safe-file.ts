// Opening files and devices the config names, so that the name can't stall
// or trick the daemon: every open is non-blocking (a FIFO or a device that
// never answers can't hang the thread in open()), the kind of file is checked
// on the opened descriptor (not on the path, which could change in between),
// and reads are capped.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { OutriggerError } from '../errors/error.ts';

export interface RegularFileOptions {
  /** Larger files are refused. */
  maxBytes: number;
  /** Refuse a file that group or others can read (credentials). */
  private?: boolean;
  /** What the file is, for error messages (a config field). */
  what: string;
}

function refuse(what: string, message: string): OutriggerError {
  return new OutriggerError('CONFIG_INVALID', `${what}: ${message}`, { field: what });
}

/** Reads a regular file without blocking on open; anything else (FIFO, device, directory) is refused. */
export function readRegularFile(path: string, opts: RegularFileOptions): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw refuse(opts.what, `cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse(opts.what, `${path} is not a regular file`);
    if (opts.private && (st.mode & 0o077) !== 0) throw refuse(opts.what, `${path} is readable by group or others (chmod 600 it)`);
    if (st.size > opts.maxBytes) throw refuse(opts.what, `${path} is larger than ${opts.maxBytes} bytes`);
    const buf = Buffer.alloc(Math.min(st.size, opts.maxBytes) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, n);
    if (n > opts.maxBytes) throw refuse(opts.what, `${path} is larger than ${opts.maxBytes} bytes`);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a character device (a serial line) for reading and writing without
 * blocking and without making it the controlling terminal; refuses anything
 * that is not a character device. The caller owns the descriptor.
 */
export function openCharDevice(path: string, what: string): number {
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isCharacterDevice()) throw refuse(what, `${path} is not a character device`);
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
