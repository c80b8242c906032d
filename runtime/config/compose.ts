// The full config schema: the core's sections plus those the running
// features declare (top-level keys, or `listeners.<name>`), and the
// environment overrides, core and features alike, applied before validation.
import { z } from 'zod';
import { GORIDGE_LISTENER_DEFAULT, IPC_LISTENER_DEFAULT, coreConfigShape, coreListenersShape } from './schema.ts';
import { OutriggerError } from '../errors/error.ts';

/** Config sections a feature owns: a top-level key (`kafka`) or a listener's (`listeners.isp`). */
export type SectionSchemas = Record<string, z.ZodType>;

/**
 * Environment variables that override a config path (applied before validation).
 * `absent` is what the object at `absent.at` is when the config leaves it out
 * (the schema's default for it): an override then changes its one key and keeps
 * the rest (IPC_PORT keeps the default unix socket).
 */
export type EnvOverrides = Record<string, { path: string; kind: 'port' | 'string'; absent?: { at: string; value: Record<string, unknown> } }>;

/** What a feature adds to the config: its sections, its environment overrides, the names of its actors. */
export interface ConfigContribution {
  readonly name: string;
  readonly sections?: SectionSchemas;
  readonly env?: EnvOverrides;
  readonly actors?: readonly { readonly name: string }[];
}

type Env = Record<string, string | undefined>;
type Obj = Record<string, unknown>;

/** The core's environment overrides. */
export const CORE_ENV: EnvOverrides = {
  PORT: { path: 'listeners.goridge.tcp.port', kind: 'port', absent: { at: 'listeners.goridge', value: GORIDGE_LISTENER_DEFAULT } },
  GORIDGE_SOCKET: { path: 'listeners.goridge.unix.path', kind: 'string', absent: { at: 'listeners.goridge', value: GORIDGE_LISTENER_DEFAULT } },
  IPC_PORT: { path: 'listeners.ipc.tcp.port', kind: 'port', absent: { at: 'listeners.ipc', value: IPC_LISTENER_DEFAULT } },
  IPC_SOCKET: { path: 'listeners.ipc.unix.path', kind: 'string', absent: { at: 'listeners.ipc', value: IPC_LISTENER_DEFAULT } },
  METRICS_PORT: { path: 'metrics.http.port', kind: 'port' },
  LOG_LEVEL: { path: 'logLevel', kind: 'string' },
  OUTRIGGER_RUN_DIR: { path: 'runDir', kind: 'string' },
  OUTRIGGER_TOKEN: { path: 'security.token', kind: 'string' },
};

export function buildConfigSchema(features: readonly ConfigContribution[]) {
  const top: Record<string, z.ZodType> = {};
  const listeners: Record<string, z.ZodType> = {};
  const core = coreConfigShape(features.flatMap((f) => (f.actors ?? []).map((a) => a.name)));
  for (const f of features) {
    for (const [key, schema] of Object.entries(f.sections ?? {})) {
      const listener = key.startsWith('listeners.') ? key.slice('listeners.'.length) : null;
      const taken = listener ? listener in coreListenersShape || listener in listeners : key in core || key === 'listeners' || key in top;
      if (taken) throw new OutriggerError('CONFIG_INVALID', `feature '${f.name}' declares config section '${key}', which is already taken`);
      if (listener) listeners[listener] = schema;
      else top[key] = schema;
    }
  }
  return z.strictObject({ ...core, listeners: z.strictObject({ ...coreListenersShape, ...listeners }).prefault({}), ...top });
}

function child(o: Obj, key: string): Obj {
  const v = o[key];
  if (typeof v === 'object' && v !== null) return v as Obj;
  const created: Obj = {};
  o[key] = created;
  return created;
}

/**
 * Applies the environment overrides to a raw config, so a bad value is
 * reported like any other bad field.
 */
export function applyEnv(raw: Obj, env: Env, overrides: EnvOverrides): Obj {
  const out = structuredClone(raw);
  for (const [name, { path, kind, absent }] of Object.entries(overrides)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (absent) {
      const [o, last] = slot(out, absent.at);
      if (o[last] === undefined) o[last] = structuredClone(absent.value);
    }
    let parsed: string | number = value;
    if (kind === 'port') {
      parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
        throw new OutriggerError('CONFIG_INVALID', `environment ${name}='${value}': expected an integer port 0-65535`, { field: `env.${name}` });
      }
    }
    const [o, last] = slot(out, path);
    o[last] = parsed;
  }
  return out;
}

/** The object holding a dotted path's last key (made on the way where missing), and that key. */
function slot(root: Obj, path: string): [Obj, string] {
  const keys = path.split('.');
  let o = root;
  for (const k of keys.slice(0, -1)) o = child(o, k);
  return [o, keys[keys.length - 1]!];
}

export function envOverrides(features: readonly ConfigContribution[]): EnvOverrides {
  return Object.assign({}, CORE_ENV, ...features.map((f) => f.env ?? {}));
}
