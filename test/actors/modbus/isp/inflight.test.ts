import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { IspSession, type IspSessionHost } from '../../../../actors/modbus/isp/session.ts';
import { Connection, PauseReason } from '../../../../runtime/transport/connection.ts';
import { testSessionEnv } from '../../../helpers/session-env.ts';

describe('ISP session in-flight bound', () => {
  it('stops reading a gateway at the bound of CONFIG/STATUS requests in flight and resumes as they finish', async () => {
    const finishers: (() => void)[] = [];
    let session: IspSession | null = null;
    const server = net.createServer((socket) => {
      const host: IspSessionHost = {
        handle: (s) => s.track(new Promise<void>((resolve) => finishers.push(resolve))),
        refused: () => {},
        lineIn: () => {},
        linesOut: () => {},
        closed: () => {},
      };
      const conn = new Connection(socket, 'isp', false);
      session = new IspSession(conn, testSessionEnv({ maxFrameBytes: 4096, maxInflightPerConnection: 4 }), host, {
        socketHighWaterBytes: 65536,
        maxQueuedDataBytes: 65536,
      });
      socket.on('data', (chunk: Buffer) => session!.onData(chunk));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const status = (i: number): string => `${JSON.stringify({ type: 'STATUS', id: `s${i}`, timestamp: 1 })}\n`;
    for (let i = 0; i < 4; i++) client.write(status(i));
    const until = Date.now() + 3000;
    while (finishers.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    const conn = (session as unknown as { conn: Connection }).conn;
    expect(finishers).toHaveLength(4);
    expect(conn.paused & PauseReason.INFLIGHT).toBeTruthy();
    // lines sent while paused wait in the socket, unread
    client.write(status(9));
    await new Promise((r) => setTimeout(r, 100));
    expect(finishers).toHaveLength(4);
    for (const f of finishers.splice(0, 4)) f();
    await new Promise((r) => setTimeout(r, 100));
    expect(conn.paused & PauseReason.INFLIGHT).toBe(0);
    expect(finishers).toHaveLength(1); // the waiting line was read and started
    client.destroy();
    server.close();
  });
});
