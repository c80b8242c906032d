// One connection to one Modbus device, with a serialized request queue.
//
// Devices share nothing: each has its own socket (or serial port), queue and
// reconnect timer, and every wait is asynchronous, so a dead or slow device
// only ever delays its own requests (EdgeX #666, Node-RED #165/#409).
// Requests are sent one at a time: many devices accept only one transaction
// at a time, and on RTU that is the only correct way (EdgeX #685).
import modbusSerial from 'modbus-serial';
import type { Logger } from 'pino';
import { OutriggerError } from '../../runtime/errors/error.ts';
import { CircuitBreaker } from '../../runtime/resilience/circuit-breaker.ts';
import { Backoff } from '../../runtime/resilience/backoff.ts';
import type { DeviceSpec } from './spec.ts';
import { TtyRtuPort } from './tty-port.ts';

export type LinkState = 'connecting' | 'connected' | 'down' | 'closed';
// CommonJS package: the default import is module.exports, whose `default` is the client class.
const ModbusRTU = modbusSerial.default;
export type ModbusClient = InstanceType<typeof ModbusRTU>;

/** Consecutive timeouts after which a TCP connection is presumed half-open and replaced. */
const TCP_TIMEOUTS_BEFORE_RECONNECT = 3;
/** Requests waiting per device beyond the one in flight (polls never queue more than one cycle). */
const MAX_QUEUED = 1000;
/** Errors that say the device is not answering (an exception answer or a refused connect do not). */
const BREAKER_FAILURES = new Set(['MODBUS_TIMEOUT', 'MODBUS_BAD_RESPONSE', 'MODBUS_CONNECTION_LOST']);

interface Op {
  run: (client: ModbusClient) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: OutriggerError) => void;
}

/** Maps modbus-serial's errors (plain objects with name/errno/modbusCode) to coded errors. */
export function modbusError(err: unknown, device: string): OutriggerError {
  if (err instanceof OutriggerError) return err;
  const e = (err ?? {}) as { name?: string; errno?: string; code?: string; message?: string; modbusCode?: number };
  const what = e.message ?? String(err);
  if (typeof e.modbusCode === 'number') {
    return new OutriggerError('MODBUS_EXCEPTION', `device '${device}': ${what}`, { device, exception: e.modbusCode });
  }
  if (e.name === 'TransactionTimedOutError' || e.errno === 'ETIMEDOUT') {
    return new OutriggerError('MODBUS_TIMEOUT', `device '${device}' did not answer in time`, { device });
  }
  if (e.name === 'PortNotOpenError') return new OutriggerError('MODBUS_DEVICE_DOWN', `device '${device}' is not connected`, { device });
  return new OutriggerError('MODBUS_BAD_RESPONSE', `device '${device}': ${what}`, { device });
}

export class DeviceLink {
  state: LinkState = 'down';
  connects = 0;
  disconnects = 0;
  lastError: string | undefined;
  connectedAt = 0;
  #client: ModbusClient | null = null;
  readonly #queue: Op[] = [];
  #current: Op | null = null;
  #timeoutsInRow = 0;
  #retry: NodeJS.Timeout | null = null;
  /** Reconnect delays: the shared curve, half-jittered so devices of one restarted server spread out. */
  readonly #reconnect: Backoff;
  /**
   * Per-device circuit breaker (runtime/resilience): after a few requests in a
   * row go unanswered, polls fail fast with quality 0 instead of each waiting
   * timeout_ms, until a trial request gets through (Neuron's "device
   * degradation"). Its state shows in /metrics and STATUS.
   */
  readonly breaker: CircuitBreaker | null;
  #settledWaiters: (() => void)[] = [];

  constructor(
    readonly spec: DeviceSpec,
    readonly log: Logger,
    readonly onState: (state: LinkState) => void = () => {},
  ) {
    this.#reconnect = new Backoff({ initialMs: spec.reconnect.minMs, maxMs: spec.reconnect.maxMs });
    this.breaker =
      spec.circuit.failures > 0
        ? new CircuitBreaker({
            name: `modbus:${spec.name}`,
            failureThreshold: spec.circuit.failures,
            resetTimeoutMs: spec.circuit.resetMs,
            isFailure: (err) => BREAKER_FAILURES.has((err as OutriggerError).code),
          })
        : null;
  }

  start(): void {
    void this.#connect();
  }

  /** Queues a request; fails at once with MODBUS_DEVICE_DOWN when not connected. */
  request<T>(run: (client: ModbusClient) => Promise<T>): Promise<T> {
    if (this.state !== 'connected') {
      return Promise.reject(
        new OutriggerError('MODBUS_DEVICE_DOWN', `device '${this.spec.name}' is ${this.state}${this.lastError ? ` (${this.lastError})` : ''}`, {
          device: this.spec.name,
        }),
      );
    }
    if (this.#queue.length >= MAX_QUEUED) {
      return Promise.reject(new OutriggerError('BUSY', `device '${this.spec.name}' has ${MAX_QUEUED} requests queued`));
    }
    const enqueue = (): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        this.#queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
        this.#pump();
      });
    return this.breaker ? this.breaker.call(enqueue) : enqueue();
  }

  /** Resolves once a connection attempt in progress has succeeded or failed. */
  settled(): Promise<void> {
    if (this.state !== 'connecting') return Promise.resolve();
    return new Promise((resolve) => this.#settledWaiters.push(resolve));
  }

  get queued(): number {
    return this.#queue.length + (this.#current ? 1 : 0);
  }

  async close(): Promise<void> {
    this.#setState('closed');
    this.breaker?.dispose();
    if (this.#retry) clearTimeout(this.#retry);
    this.#failAll(new OutriggerError('MODBUS_CONNECTION_LOST', `device '${this.spec.name}' was removed`, { device: this.spec.name }));
    const c = this.#client;
    this.#client = null;
    if (c) await new Promise<void>((resolve) => c.destroy(() => resolve()));
  }

  async #connect(): Promise<void> {
    if (this.state === 'closed') return;
    this.#setState('connecting');
    // Serial lines use our worker-safe tty port; TCP modes use modbus-serial's own sockets.
    const client = this.spec.mode === 'rtu' ? new ModbusRTU(new TtyRtuPort(this.spec.address, this.spec.serial)) : new ModbusRTU();
    client.setTimeout(this.spec.timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#open(client),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`connect timed out after ${this.spec.timeoutMs} ms`)), this.spec.timeoutMs);
        }),
      ]);
    } catch (err) {
      clearTimeout(timer);
      client.destroy(() => {});
      this.#down(`connect failed: ${(err as Error).message ?? String(err)}`);
      return;
    }
    clearTimeout(timer);
    // close() may have run while we were connecting.
    if ((this.state as LinkState) === 'closed') {
      client.destroy(() => {});
      return;
    }
    client.on('close', () => this.#lost(client, 'connection closed by the device'));
    client.on('error', (err: unknown) => this.#lost(client, `port error: ${(err as Error).message}`));
    this.#client = client;
    this.#reconnect.reset();
    this.#timeoutsInRow = 0;
    this.connects++;
    this.connectedAt = Date.now();
    this.lastError = undefined;
    this.log.info({ device: this.spec.name, address: this.spec.address, mode: this.spec.mode }, 'modbus device connected');
    this.#setState('connected');
    this.#pump();
  }

  #open(client: ModbusClient): Promise<void> {
    const s = this.spec;
    switch (s.mode) {
      case 'tcp':
        return client.connectTCP(s.host, { port: s.port });
      case 'rtu-over-tcp':
        // Raw RTU frames (address + PDU + CRC) over a TCP socket; modbus-serial calls this "telnet".
        return client.connectTelnet(s.host, { port: s.port });
      case 'rtu':
        return new Promise((resolve, reject) => client.open((err?: Error | null) => (err ? reject(err) : resolve())));
    }
  }

  #pump(): void {
    if (this.#current || this.#queue.length === 0 || !this.#client) return;
    const op = this.#queue.shift()!;
    this.#current = op;
    const client = this.#client;
    op.run(client).then(
      (v) => this.#settle(client, op, null, v),
      (e: unknown) => this.#settle(client, op, e, undefined),
    );
  }

  #settle(client: ModbusClient, op: Op, err: unknown, value: unknown): void {
    if (this.#current !== op) return; // failed already when the connection dropped
    this.#current = null;
    if (err === null) {
      this.#timeoutsInRow = 0;
      op.resolve(value);
    } else {
      const e = modbusError(err, this.spec.name);
      op.reject(e);
      if (e.code === 'MODBUS_TIMEOUT') {
        this.#timeoutsInRow++;
        // Without transaction ids an RTU answer that comes late would be taken
        // for the answer to the next request: start over on a clean line.
        if (this.spec.mode !== 'tcp' || this.#timeoutsInRow >= TCP_TIMEOUTS_BEFORE_RECONNECT) {
          this.#lost(client, `${this.#timeoutsInRow} request(s) timed out`);
          return;
        }
      } else if (e.code !== 'MODBUS_EXCEPTION') this.#timeoutsInRow = 0;
    }
    this.#pump();
  }

  #lost(client: ModbusClient, reason: string): void {
    if (client !== this.#client) return;
    this.#client = null;
    this.disconnects++;
    client.destroy(() => {});
    this.#failAll(new OutriggerError('MODBUS_CONNECTION_LOST', `device '${this.spec.name}': ${reason}`, { device: this.spec.name }));
    this.log.warn({ device: this.spec.name, reason }, 'modbus device connection lost');
    this.#down(reason);
  }

  #failAll(err: OutriggerError): void {
    const ops = this.#current ? [this.#current, ...this.#queue] : [...this.#queue];
    this.#current = null;
    this.#queue.length = 0;
    for (const op of ops) op.reject(err);
  }

  #down(reason: string): void {
    if (this.state === 'closed') return;
    this.lastError = reason;
    const delay = this.#reconnect.next();
    const attempts = this.#reconnect.attempts;
    if (attempts === 1 || attempts % 10 === 0) {
      this.log.warn({ device: this.spec.name, address: this.spec.address, reason, retryInMs: delay, attempts }, 'modbus device down');
    }
    this.#setState('down');
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#connect();
    }, delay);
  }

  #setState(s: LinkState): void {
    if (this.state === s) return;
    this.state = s;
    if (s !== 'connecting' && this.#settledWaiters.length > 0) {
      const waiters = this.#settledWaiters;
      this.#settledWaiters = [];
      for (const w of waiters) w();
    }
    this.onState(s);
  }
}
