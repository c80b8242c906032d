import net from 'node:net';
import { IpcDecoder } from '../../runtime/codec/ipc.ts';

export interface RawFrame {
  version: number;
  type: number;
  body: unknown;
}

/** A bare socket speaking binary IPC, for malformed input and ordering tests. */
export class RawIpc {
  readonly frames: RawFrame[] = [];
  readonly socket: net.Socket;
  closed = false;
  readonly #decoder = new IpcDecoder(64 * 1024 * 1024);

  constructor(path: string) {
    this.socket = net.connect(path);
    this.socket.on('data', (chunk: Buffer) =>
      this.#decoder.push(chunk, (version, type, payload) =>
        this.frames.push({ version, type, body: payload.length ? JSON.parse(payload.toString()) : null }),
      ),
    );
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => {});
  }

  static frame(version: number, type: number, payload: string | Buffer): Buffer {
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const h = Buffer.alloc(7);
    h.writeUInt16BE(version, 0);
    h[2] = type;
    h.writeUInt32BE(body.length, 3);
    return Buffer.concat([h, body]);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async waitFor(n: number, timeoutMs = 5000): Promise<RawFrame[]> {
    const until = Date.now() + timeoutMs;
    while (this.frames.length < n) {
      if (Date.now() > until) throw new Error(`expected ${n} frames, got ${this.frames.length}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.frames;
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > until) throw new Error('socket was not closed');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
