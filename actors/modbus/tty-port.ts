// Serial RTU port usable inside a worker thread.
//
// modbus-serial's serial ports sit on the `serialport` native binding, whose
// read poller runs on the main thread's libuv loop: reading a serial port
// from a worker_thread aborts the whole process ("HandleScope::HandleScope
// Entering the V8 API without proper locking", serialport/node-serialport
// #2250, #2748, #2974). Node's own tty streams are worker-safe, so this port
// configures the line with stty(1) and reads/writes it through tty streams,
// handing modbus-serial whole RTU frames like its buffered RTU port does.
// Which paths may be opened at all is the registry's check (modbus.serialPorts).
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import tty from 'node:tty';
import { openCharDevice } from '../../runtime/security/safe-file.ts';

export interface SerialLine {
  baudRate: number;
  dataBits: 7 | 8;
  stopBits: 1 | 2;
  parity: 'none' | 'even' | 'odd';
}

/** stty(1) arguments for a raw Modbus RTU line (GNU coreutils). */
export function sttyArgs(path: string, line: SerialLine): string[] {
  const parity = line.parity === 'none' ? ['-parenb'] : line.parity === 'even' ? ['parenb', '-parodd'] : ['parenb', 'parodd'];
  return [
    '-F',
    path,
    String(line.baudRate),
    `cs${line.dataBits}`,
    line.stopBits === 2 ? 'cstopb' : '-cstopb',
    ...parity,
    'raw',
    '-echo',
    '-ixon',
    '-ixoff',
    '-crtscts',
    'clocal',
    'cread',
  ];
}

const EXCEPTION_FRAME = 5;

/** Length of the RTU answer to a request frame, from its function code and quantity (0: unknown). */
export function expectedResponseLength(request: Buffer): number {
  switch (request[1]) {
    case 1:
    case 2:
      return 5 + Math.ceil(request.readUInt16BE(4) / 8);
    case 3:
    case 4:
      return 5 + 2 * request.readUInt16BE(4);
    case 5:
    case 6:
    case 15:
    case 16:
      return 8;
    default:
      return 0;
  }
}

/** The port interface modbus-serial's ModbusRTU drives (open/close/destroy/write, 'data' frames). */
export class TtyRtuPort extends EventEmitter {
  // modbus-serial keys transactions by these; on a serial line there is only ever one.
  _transactionIdRead = 1;
  _transactionIdWrite = 1;
  #in: tty.ReadStream | null = null;
  #out: tty.WriteStream | null = null;
  #buf: Buffer = Buffer.alloc(0);
  #unit = -1;
  #fn = -1;
  #expect = 0;
  #open = false;

  constructor(
    readonly path: string,
    readonly line: SerialLine,
  ) {
    super();
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /**
   * Opens the line without blocking and only if it is a character device
   * (a FIFO or a regular file named as a serial port is refused), then lets
   * stty configure that very descriptor (its stdin), not whatever the path
   * names by then.
   */
  open(callback: (err?: Error | null) => void): void {
    let rfd = -1;
    try {
      rfd = openCharDevice(this.path, 'address');
    } catch (e) {
      return callback(e as Error);
    }
    const stty = spawn('stty', sttyArgs(this.path, this.line).slice(2), { stdio: [rfd, 'ignore', 'pipe'], timeout: 5000 });
    let stderr = '';
    stty.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    stty.once('error', (err) => {
      closeSync(rfd);
      callback(new Error(`stty ${this.path}: ${err.message}`));
    });
    stty.once('close', (code) => {
      if (code !== 0) {
        closeSync(rfd);
        return callback(new Error(`stty ${this.path}: ${stderr.trim() || `exit ${code}`}`));
      }
      try {
        const wfd = openCharDevice(this.path, 'address');
        this.#in = new tty.ReadStream(rfd);
        this.#out = new tty.WriteStream(wfd);
      } catch (e) {
        if (!this.#in) closeSync(rfd);
        return callback(e as Error);
      }
      this.#in.on('data', (chunk: Buffer) => this.#onData(chunk));
      this.#in.on('error', (e: Error) => this.emit('error', e));
      this.#out.on('error', (e: Error) => this.emit('error', e));
      this.#in.on('close', () => this.#closed());
      this.#open = true;
      callback(null);
    });
  }

  write(frame: Buffer): void {
    if (!this.#out) return;
    this.#unit = frame[0]!;
    this.#fn = frame[1]!;
    this.#expect = expectedResponseLength(frame);
    this.#buf = Buffer.alloc(0); // a late answer to an earlier request must not be taken for this one
    this.#out.write(frame);
  }

  #onData(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const b = this.#buf;
    for (let i = 0; i + EXCEPTION_FRAME <= b.length; i++) {
      if (b[i] !== this.#unit) continue;
      const fn = b[i + 1];
      let len = 0;
      if (fn === this.#fn) len = this.#expect > 0 ? this.#expect : b.length - i;
      else if (fn === (this.#fn | 0x80)) len = EXCEPTION_FRAME;
      else continue;
      if (i + len > b.length) return; // wait for the rest
      this.#buf = b.subarray(i + len);
      this.emit('data', b.subarray(i, i + len));
      return;
    }
  }

  close(callback?: (err?: Error | null) => void): void {
    this.#teardown();
    callback?.(null);
  }

  destroy(callback?: (err?: Error | null) => void): void {
    this.#teardown();
    callback?.(null);
  }

  #teardown(): void {
    const wasOpen = this.#open;
    this.#open = false;
    this.#in?.destroy();
    this.#out?.destroy();
    this.#in = null;
    this.#out = null;
    if (wasOpen) this.emit('close');
  }

  #closed(): void {
    if (!this.#open) return;
    this.#teardown();
  }
}
