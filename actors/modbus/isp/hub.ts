import type { Logger } from 'pino';
import type { DeviceBook } from '../device-book.ts';
import { DATA_TOPIC, type DataEvent } from '../events.ts';
import { type IspError, type IspMessage, type ResponseBody, encodeErrorResponse, encodeHeartbeat, encodeResponse } from './codec.ts';
import { OutriggerError, type SerializedError, serializeError } from '../../../runtime/errors/error.ts';
import type { DaemonEventMap, FeatureContext } from '../../../runtime/feature/api.ts';
import type { TypedEvents } from '../../../runtime/feature/events.ts';
import { repeatLimit } from '../../../runtime/log.ts';
import type { IspSession, IspSessionHost } from './session.ts';

/** How the hub reaches the Modbus actor: the feature context's call (every grant: the daemon calling itself). */
type Call = FeatureContext['call'];

export interface IspCounters {
  messages_in: number;
  messages_out: number;
  errors: number;
  connections: number;
  connections_total: number;
  /** Gateways dropped for missing heartbeats. */
  gateways_dropped: number;
  /** DATA messages (and their points) dropped for gateways that read too slowly. */
  data_dropped_messages: number;
  data_dropped_points: number;
  /** DATA bytes waiting in session queues right now (bounded per gateway). */
  data_queued_bytes: number;
}

function isSerialized(e: unknown): e is SerializedError {
  return typeof e === 'object' && e !== null && !(e instanceof Error) && typeof (e as SerializedError).code === 'string';
}

export interface IspHubOptions {
  heartbeatMs: number;
  missedHeartbeats: number;
  /** Devices one gateway may own at once. */
  maxDevicesPerGateway: number;
  /** Devices all gateways together may own at once. */
  maxDevices: number;
}

const MODBUS_ACTOR = 'modbus';

/**
 * State shared by all ISP gateway sessions: the counters, the device list,
 * the bridge to the Modbus actor (CONFIG, STATUS) and the DATA broadcast.
 */
export class IspHub implements IspSessionHost {
  readonly sessions = new Set<IspSession>();
  /** Devices gateways configured, by name: each belongs to the gateway that configured it. */
  readonly #owner = new Map<string, IspSession>();
  readonly #owned = new Map<IspSession, Set<string>>();
  readonly counters: IspCounters = {
    messages_in: 0,
    messages_out: 0,
    errors: 0,
    connections: 0,
    connections_total: 0,
    gateways_dropped: 0,
    data_dropped_messages: 0,
    data_dropped_points: 0,
    data_queued_bytes: 0,
  };
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(
    readonly call: Call,
    public opts: IspHubOptions,
    readonly log: Logger,
    /** Every device the modbus actor holds (it also configures them again after a restart). */
    readonly book: DeviceBook,
  ) {
    book.onRemoved((device) => this.#release(device));
  }

  /** Names of every device, whoever configured it. */
  get devices(): string[] {
    return this.book.names();
  }

  /** Subscribes to the Modbus actor's DATA and starts the heartbeat timer. */
  attach(events: TypedEvents<DaemonEventMap>): void {
    events.on('publish', (actor, topic, data) => {
      if (actor === MODBUS_ACTOR && topic === DATA_TOPIC) this.broadcast(data as DataEvent);
    });
    this.setHeartbeat(this.opts);
  }

  /** Takes new options (a config reload); restarts the heartbeat timer when it changed. */
  setHeartbeat(opts: IspHubOptions): void {
    const timerChanged = !this.#heartbeat || opts.heartbeatMs !== this.opts.heartbeatMs;
    this.opts = opts;
    if (!timerChanged) return;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => this.#beat(), opts.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Devices a gateway owns now. */
  ownedBy(session: IspSession): number {
    return this.#owned.get(session)?.size ?? 0;
  }

  /**
   * Reserves `device` for the gateway before configuring it: refused when
   * another gateway owns it, when it was configured otherwise (over IPC, or
   * in the config file: the actor answers MODBUS_DEVICE_STATIC for those),
   * or when the gateway or all gateways reached their device cap. Returns
   * whether the reservation is new (to be released if configuring fails).
   */
  #reserve(session: IspSession, device: string): boolean {
    const owner = this.#owner.get(device);
    if (owner === session) return false;
    if (owner) throw new OutriggerError('MODBUS_DEVICE_OWNED', `device '${device}' belongs to another gateway`, { field: 'name', device });
    const e = this.book.get(device);
    if (e && !e.static) throw new OutriggerError('MODBUS_DEVICE_OWNED', `device '${device}' was configured over IPC; a gateway cannot replace it`, { field: 'name', device });
    if (e) return false;
    if (this.ownedBy(session) >= this.opts.maxDevicesPerGateway) {
      throw new OutriggerError('ISP_TOO_MANY_DEVICES', `this gateway owns ${this.opts.maxDevicesPerGateway} devices (listeners.isp.maxDevicesPerGateway)`, { field: 'name' });
    }
    if (this.#owner.size >= this.opts.maxDevices) {
      throw new OutriggerError('ISP_TOO_MANY_DEVICES', `gateways own ${this.opts.maxDevices} devices in all (listeners.isp.maxDevices)`, { field: 'name' });
    }
    this.#owner.set(device, session);
    let set = this.#owned.get(session);
    if (!set) this.#owned.set(session, (set = new Set()));
    set.add(device);
    return true;
  }

  #release(device: string): void {
    const owner = this.#owner.get(device);
    if (!owner) return;
    this.#owner.delete(device);
    this.#owned.get(owner)?.delete(device);
  }

  detach(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
  }

  add(session: IspSession): void {
    this.sessions.add(session);
    this.counters.connections = this.sessions.size;
    this.counters.connections_total++;
  }

  lineIn(): void {
    this.counters.messages_in++;
  }

  linesOut(n: number): void {
    this.counters.messages_out += n;
  }

  refused(session: IspSession, error: IspError): void {
    this.counters.errors++;
    this.log.debug({ gateway: session.name, code: error.code, field: error.field }, 'ISP line refused');
  }

  closed(session: IspSession): void {
    if (!this.sessions.delete(session)) return;
    this.counters.connections = this.sessions.size;
    this.#keepDropped(session);
    // A gateway's devices go with it (and so do their metric series): nobody else can manage them once it is gone.
    for (const device of this.#owned.get(session) ?? []) {
      this.#owner.delete(device);
      this.call('modbus.remove', { device }).catch((err: unknown) => {
        if ((err as OutriggerError).code === 'SHUTTING_DOWN') return;
        repeatLimit.log('ISP device removal failed', (suppressed) =>
          this.log.warn({ gateway: session.name, device, err: (err as Error).message, suppressed }, 'could not remove a gateway device'),
        );
      });
    }
    this.#owned.delete(session);
    this.log.debug({ gateway: session.name, remote: session.conn.remote }, 'ISP gateway disconnected');
  }

  handle(session: IspSession, msg: IspMessage): void {
    if (msg.type === 'CONFIG' || msg.type === 'STATUS') {
      const limited = session.admit();
      if (limited) return this.#fail(session, msg.id, limited);
    }
    switch (msg.type) {
      case 'CONFIG':
        session.track(this.#config(session, msg));
        return;
      case 'STATUS':
        session.track(this.#status(session, msg));
        return;
      case 'HEARTBEAT':
        session.send(encodeHeartbeat(msg.id));
        return;
      default:
        return; // RESPONSE from a gateway (e.g. to our heartbeat): liveness is all it tells us.
    }
  }

  async #config(session: IspSession, msg: IspMessage): Promise<void> {
    const payload = msg.payload!;
    const device = payload.name === undefined ? { ...payload, name: session.name } : payload;
    const name = device.name;
    let reserved = false;
    try {
      if (typeof name === 'string') reserved = this.#reserve(session, name);
      // warnings: fields accepted as read differently from what they say (docs/isp.md, CONFIG).
      const r = await this.call<{ device: string; registers: number; reads: number; replaced: boolean; warnings?: unknown[] }>('modbus.configure', { device });
      // The gateway left while the actor configured it: the device goes too.
      if (!this.sessions.has(session) && reserved) void this.call('modbus.remove', { device: r.device }).catch(() => {});
      session.send(encodeResponse(msg.id, { success: true, ...r }));
    } catch (err) {
      if (reserved) this.#release(name as string);
      this.#fail(session, msg.id, err);
    }
  }

  async #status(session: IspSession, msg: IspMessage): Promise<void> {
    const p = msg.payload ?? {};
    const values = p.values !== false;
    try {
      const names = p.device === undefined ? this.devices : [p.device as string];
      if (p.device !== undefined && !this.book.has(p.device as string)) {
        throw new OutriggerError('MODBUS_UNKNOWN_DEVICE', `no Modbus device named '${String(p.device)}'`);
      }
      const parts = await Promise.all(
        names.map((device) =>
          this.call<{ devices: unknown[] }>('modbus.status', { device, values }).catch((err: unknown) => {
            // Removed between listing and asking: not an error of this STATUS.
            if ((err as OutriggerError).code === 'MODBUS_UNKNOWN_DEVICE') return { devices: [] };
            throw err;
          }),
        ),
      );
      const body: ResponseBody = {
        success: true,
        devices: parts.flatMap((x) => x.devices),
        counters: this.snapshotCounters(),
        gateways: this.sessions.size,
      };
      session.send(encodeResponse(msg.id, body));
    } catch (err) {
      this.#fail(session, msg.id, err);
    }
  }

  #fail(session: IspSession, id: string | undefined, err: unknown): void {
    this.counters.errors++;
    const e = isSerialized(err) ? err : serializeError(err);
    const field = (e.data as { field?: unknown } | undefined)?.field;
    session.send(encodeErrorResponse(id, { code: e.code, message: e.message, ...(typeof field === 'string' ? { field } : {}) }));
  }

  snapshotCounters(): IspCounters {
    let msgs = 0;
    let points = 0;
    let queued = 0;
    for (const s of this.sessions) {
      msgs += s.droppedMessages;
      points += s.droppedPoints;
      queued += s.queuedDataBytes;
    }
    return {
      ...this.counters,
      data_dropped_messages: this.counters.data_dropped_messages + msgs,
      data_dropped_points: this.counters.data_dropped_points + points,
      data_queued_bytes: queued,
    };
  }

  broadcast(ev: DataEvent): void {
    if (this.sessions.size === 0) return;
    const buf = Buffer.from(ev.lines.buffer, ev.lines.byteOffset, ev.lines.byteLength);
    for (const s of this.sessions) s.sendData(buf, ev.messages, ev.points);
  }

  #beat(): void {
    const now = Date.now();
    const silentFor = this.opts.heartbeatMs * this.opts.missedHeartbeats;
    for (const s of this.sessions) {
      if (now - s.lastSeen > silentFor) {
        this.counters.gateways_dropped++;
        repeatLimit.log('ISP gateway dropped', (suppressed) =>
          this.log.warn({ gateway: s.name, remote: s.conn.remote, silentMs: now - s.lastSeen, suppressed }, 'ISP gateway silent for too long: dropped'),
        );
        s.conn.destroy();
        continue;
      }
      s.send(encodeHeartbeat());
    }
  }

  /** Keeps a dropped session's DATA drop counts in the totals after it is gone. */
  #keepDropped(s: IspSession): void {
    this.counters.data_dropped_messages += s.droppedMessages;
    this.counters.data_dropped_points += s.droppedPoints;
    s.droppedMessages = 0;
    s.droppedPoints = 0;
  }
}
