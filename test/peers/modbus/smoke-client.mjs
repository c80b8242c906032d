// Smoke check for the Modbus peers with the project's own client library (modbus-serial).
//
//   node test/peers/modbus/smoke-client.mjs PORT [--conns N] [--iterations K] [--rtu] [--unit U] [--no-write]
//
// Opens N connections at once (all held open concurrently), then every connection reads
// 100 holding registers, 100 input registers, 100 coils and 100 discrete inputs starting at
// address 1000, K times, and checks them against the shared deterministic layout
// (HR[i]=100+i, IR[i]=30000+i, coil[i]=(i%3==0), DI[i]=(i%2==1)). Connection 0 also writes
// 3 holding registers and one coil at 9990.., reads them back and restores the layout.
// --rtu sends raw RTU frames (address+PDU+CRC) over TCP via modbus-serial's connectTelnet, for
// `modbus.sh start-libmodbus PORT --rtu-over-tcp`. (modbus-serial's connectTcpRTUBuffered is NOT RTU-over-TCP:
// it strips the CRC and sends MBAP frames.)
// Exit code 0 = all good. Prints one summary line.
import { performance } from 'node:perf_hooks';
import ModbusRTU from 'modbus-serial';

const args = process.argv.slice(2);
const port = Number(args[0]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: smoke-client.mjs PORT [--conns N] [--iterations K] [--rtu] [--unit U] [--no-write]');
  process.exit(2);
}
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const conns = opt('--conns', 1);
const iterations = opt('--iterations', 1);
const unit = opt('--unit', 1);
const rtu = args.includes('--rtu');
const doWrite = !args.includes('--no-write');
const BASE = 1000;
const N = 100;

const hr = (i) => (100 + i) & 0xffff;
const ir = (i) => (30000 + i) & 0xffff;
const co = (i) => i % 3 === 0;
const di = (i) => i % 2 === 1;

function check(label, got, expect) {
  for (let k = 0; k < N; k++) {
    if (got[k] !== expect(BASE + k)) {
      throw new Error(`${label}[${BASE + k}] = ${got[k]}, expected ${expect(BASE + k)}`);
    }
  }
}

async function open() {
  const c = new ModbusRTU();
  if (rtu) await c.connectTelnet('127.0.0.1', { port });
  else await c.connectTCP('127.0.0.1', { port });
  c.setID(unit);
  c.setTimeout(10000);
  return c;
}

const t0 = performance.now();
const clients = await Promise.all(Array.from({ length: conns }, open));
const tConnected = performance.now();

let reads = 0;
await Promise.all(
  clients.map(async (c) => {
    for (let it = 0; it < iterations; it++) {
      check('HR', (await c.readHoldingRegisters(BASE, N)).data, hr);
      check('IR', (await c.readInputRegisters(BASE, N)).data, ir);
      check('CO', (await c.readCoils(BASE, N)).data, co);
      check('DI', (await c.readDiscreteInputs(BASE, N)).data, di);
      reads += 4;
    }
  }),
);
const tRead = performance.now();

if (doWrite) {
  const c = clients[0];
  await c.writeRegisters(9990, [11, 22, 33]);
  const back = (await c.readHoldingRegisters(9990, 3)).data;
  if (back.join() !== '11,22,33') throw new Error(`write/read-back mismatch: ${back}`);
  await c.writeCoil(9990, false);
  if ((await c.readCoils(9990, 1)).data[0] !== false) throw new Error('coil write/read-back mismatch');
  await c.writeRegisters(9990, [hr(9990), hr(9991), hr(9992)]);
  await c.writeCoil(9990, co(9990));
  let err;
  try {
    await c.readHoldingRegisters(9999, 2);
  } catch (e) {
    err = e;
  }
  if (!err || err.modbusCode !== 2) throw new Error(`expected exception 2 past 9999, got ${err && err.message}`);
}

await Promise.all(clients.map((c) => new Promise((r) => c.close(r))));
console.log(
  `modbus smoke OK port=${port} framing=${rtu ? 'rtu-over-tcp' : 'mbap'} unit=${unit} conns=${conns} ` +
    `iterations=${iterations} reads=${reads} connect_ms=${(tConnected - t0).toFixed(0)} ` +
    `read_ms=${(tRead - tConnected).toFixed(0)}${doWrite ? ' write+readback+exception2=ok' : ''}`,
);
