// Node's own limit for a connection that makes one Goridge call: a bare
// net.Server that gathers one frame, answers it (the request frame sent back
// as is: same seq, method and gob body, which the Go client reads as the
// echoed string) and closes when the client does. No sessions, limits,
// router or worker: what any Node server must at least spend per connection.
//
//   node bench/goridge/bare-server.ts --port 16003    (prints "BARE READY")
import net from 'node:net';
import { numberOption } from '../lib/stats.ts';

const port = numberOption('port', 16003);
/** A frame larger than this is not a bench frame: the connection is dropped. */
const MAX_FRAME = 64 * 1024;

const server = net.createServer({ noDelay: true }, (socket) => {
  let held: Buffer | null = null;
  socket.on('data', (chunk: Buffer) => {
    const buf = held ? Buffer.concat([held, chunk]) : chunk;
    if (buf.length < 6) {
      held = buf;
      return;
    }
    const total = (buf[0]! & 0x0f) * 4 + buf.readUInt32LE(2);
    if (total > MAX_FRAME) return void socket.destroy();
    if (buf.length < total) {
      held = buf;
      return;
    }
    held = null;
    socket.write(buf.subarray(0, total));
  });
  socket.on('error', () => {});
});
server.listen({ host: '127.0.0.1', port }, () => console.log('BARE READY'));
process.on('SIGTERM', () => process.exit(0));
