import { rpcCantFindMethod, rpcCantFindService, rpcIllFormed } from '../codec/goridge.ts';

/**
 * Goridge (Go net/rpc) names for the router's method names, so every actor
 * method is reachable over Goridge without listener code. For a router method
 * `a.b.c` these names resolve to it:
 *
 *   a.b.c        the router name itself
 *   A.B.C        each dot segment in PascalCase (`sys.echo` -> `Sys.Echo`,
 *                `kafka.consume.receive` -> `Kafka.Consume.Receive`,
 *                `app.echoRaw` -> `App.EchoRaw`, `my-actor.x` -> `MyActor.X`)
 *   A.BC         the Go form, one service and one exported method name
 *                (`Kafka.ConsumeReceive`); same as A.B for two segments
 *
 * Matching is exact and case-sensitive, as in net/rpc. A miss answers net/rpc's
 * own error text: net/rpc splits at the last dot into service and method, so
 * `Kafka.Nope` is "can't find method" (service Kafka exists) and `Nope.Init`
 * is "can't find service".
 */
export interface GoridgeMethod {
  /** Router method name. */
  readonly method: string;
  /** The Goridge name's bytes, echoed as the reply's method prefix. */
  readonly nameBytes: Buffer;
}


function pascal(segment: string): string {
  return segment
    .split(/[-_]/)
    .map((part) => (part === '' ? '' : part[0]!.toUpperCase() + part.slice(1)))
    .join('');
}

/** Goridge names of one router method, most specific first. */
export function goridgeNamesFor(method: string): string[] {
  const segments = method.split('.');
  const names = [method];
  if (segments.length < 2 || segments.some((s) => s === '')) return names;
  const p = segments.map(pascal);
  names.push(p.join('.'));
  names.push(`${p[0]}.${p.slice(1).join('')}`);
  return [...new Set(names)];
}

function serviceOf(name: string): string {
  return name.slice(0, name.lastIndexOf('.'));
}

export class GoridgeMethodTable {
  #byName = new Map<string, GoridgeMethod>();
  #services = new Set<string>();
  #builtFrom = -1;
  #reported = '';

  /**
   * `source` lists the router's methods; it is re-read when a name misses and
   * the list has grown. `onCollisions` hears of Goridge names that two router
   * methods both produce (the first method keeps the name), once per change.
   */
  constructor(
    readonly source: () => string[],
    readonly onCollisions: (names: string[]) => void = () => {},
  ) {}

  /** The method a Goridge name reaches, or net/rpc's error text for a miss. */
  resolve(name: string): GoridgeMethod | string {
    const hit = this.#byName.get(name);
    if (hit) return hit;
    const methods = this.source();
    if (methods.length !== this.#builtFrom) {
      this.#build(methods);
      const retry = this.#byName.get(name);
      if (retry) return retry;
    }
    const dot = name.lastIndexOf('.');
    if (dot < 0) return rpcIllFormed(name);
    return this.#services.has(name.slice(0, dot)) ? rpcCantFindMethod(name) : rpcCantFindService(name);
  }

  #build(methods: string[]): void {
    const byName = new Map<string, GoridgeMethod>();
    const services = new Set<string>();
    const collisions: string[] = [];
    for (const method of methods) {
      for (const name of goridgeNamesFor(method)) {
        if (byName.has(name)) {
          if (byName.get(name)!.method !== method) collisions.push(name);
          continue;
        }
        byName.set(name, { method, nameBytes: Buffer.from(name, 'utf8') });
        if (name.includes('.')) services.add(serviceOf(name));
      }
    }
    this.#byName = byName;
    this.#services = services;
    this.#builtFrom = methods.length;
    const key = collisions.join(',');
    if (key !== this.#reported) {
      this.#reported = key;
      if (collisions.length > 0) this.onCollisions(collisions);
    }
  }
}
