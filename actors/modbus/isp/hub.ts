import type { Logger } from 'pino';
import { DATA_TOPIC, DEVICE_TOPIC, type DataEvent, type DeviceEvent } from '../events.ts';
import { type IspError, type IspMessage, type ResponseBody, encodeErrorResponse, encodeHeartbeat, encodeResponse } from './codec.ts';
import { OutriggerError, type SerializedError, serializeError } from '../../../runtime/errors/error.ts';
import type { DaemonEventMap, FeatureContext } from '../../../runtime/feature/api.ts';
import type { TypedEvents } from '../../../runtime/feature/events.ts';
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
}

const MODBUS_ACTOR = 'modbus';

/**
 * State shared by all ISP gateway sessions: the counters, the device list,
 * the bridge to the Modbus actor (CONFIG, STATUS) and the DATA broadcast.
 */
export class IspHub implements IspSessionHost {
  readonly sessions = new Set<IspSession>();
  readonly devices = new Set<string>();
  /** The CONFIG payloads gateways applied, by device: replayed if the modbus actor restarts. */
  readonly #configs = new Map<string, Record<string, unknown>>();
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
  ) {}

  /** Subscribes to the Modbus actor's events and starts the heartbeat timer. */
  attach(events: TypedEvents<DaemonEventMap>): void {
    events.on('publish', (actor, topic, data) => {
      if (actor !== MODBUS_ACTOR) return;
      if (topic === DATA_TOPIC) this.broadcast(data as DataEvent);
      else if (topic === DEVICE_TOPIC) {
        const ev = data as DeviceEvent;
        if (ev.event === 'configured') this.devices.add(ev.device);
        else {
          this.devices.delete(ev.device);
          this.#configs.delete(ev.device);
        }
      }
    });
    // A new modbus actor (reload) or a replaced worker (crash, hang) starts without the gateways' devices.
    events.on('actor-started', (host) => {
      if (host.name === MODBUS_ACTOR) this.#replay();
    });
    events.on('worker-ready', (actor, _slot, restarted) => {
      if (actor === MODBUS_ACTOR && restarted) this.#replay();
    });
    this.setHeartbeat(this.opts);
  }

  /** (Re)starts the heartbeat timer, e.g. after a config reload changed it. */
  setHeartbeat(opts: IspHubOptions): void {
    this.opts = opts;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => this.#beat(), opts.heartbeatMs);
    this.#heartbeat.unref();
  }

  /**
   * The modbus actor (or one of its workers) restarted and its devices went
   * with it: the gateways' CONFIGs are applied again. Configuring an existing
   * device with the same CONFIG replaces it, so devices that survived on
   * other workers are unaffected. (Static devices are re-applied by the
   * feature; devices configured over IPC must be configured again.)
   */
  #replay(): void {
    for (const [name, device] of this.#configs) {
      this.call('modbus.configure', { device }).catch((err: unknown) =>
        this.log.warn({ device: name, err: (err as Error).message }, 'could not re-apply a gateway CONFIG on the restarted modbus actor'),
      );
    }
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
    // A nameless CONFIG belongs to its gateway: nobody else can address it once the gateway is gone.
    if (this.devices.has(session.name)) {
      this.call('modbus.remove', { device: session.name }).catch((err: unknown) => {
        if ((err as OutriggerError).code === 'SHUTTING_DOWN') return;
        this.log.warn({ gateway: session.name, err: (err as Error).message }, 'could not remove the gateway device');
      });
    }
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
    try {
      // warnings: fields accepted as read differently from what they say (docs/isp.md, CONFIG).
      const r = await this.call<{ device: string; registers: number; reads: number; replaced: boolean; warnings?: unknown[] }>('modbus.configure', { device });
      this.#configs.set(r.device, device);
      session.send(encodeResponse(msg.id, { success: true, ...r }));
    } catch (err) {
      this.#fail(session, msg.id, err);
    }
  }

  async #status(session: IspSession, msg: IspMessage): Promise<void> {
    const p = msg.payload ?? {};
    const values = p.values !== false;
    try {
      const names = p.device === undefined ? [...this.devices] : [p.device as string];
      if (p.device !== undefined && !this.devices.has(p.device as string)) {
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
        this.log.warn({ gateway: s.name, remote: s.conn.remote, silentMs: now - s.lastSeen }, 'ISP gateway silent for too long: dropped');
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
