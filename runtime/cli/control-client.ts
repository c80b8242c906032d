import net from 'node:net';
import { IPC_V1_0, IpcDecoder, IpcType, encodeIpcFrame } from '../codec/ipc.ts';
import { OutriggerError, type SerializedError } from '../errors/error.ts';

/** Replies from the control socket can be a whole status; far below the daemon's own frame cap. */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/**
 * One request over the daemon's control socket (binary IPC, a v1.0 sync
 * frame), for the CLI: connect, ask, read the one reply, close.
 */
export function controlCall(path: string, method: string, timeoutMs: number, params: Record<string, unknown> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    const decoder = new IpcDecoder(MAX_REPLY_BYTES);
    let settled = false;
    const done = (err: Error | null, value?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => done(new OutriggerError('TIMEOUT', `no answer to ${method} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(encodeIpcFrame(IPC_V1_0, IpcType.SYNC, JSON.stringify({ id: 1, method, params }))));
    socket.on('data', (chunk: Buffer) => {
      const bad = decoder.push(chunk, (_version, _type, payload) => {
        const msg = JSON.parse(payload.toString('utf8')) as { result?: unknown; error?: SerializedError };
        if (msg.error) done(new OutriggerError(msg.error.code, msg.error.message, msg.error.data));
        else done(null, msg.result);
      });
      if (bad) done(new OutriggerError(bad.code, bad.message));
    });
    socket.once('error', (err) => done(err));
    socket.once('close', () => done(new OutriggerError('NOT_RUNNING', `the control socket ${path} closed without an answer`)));
  });
}
