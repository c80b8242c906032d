import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { OutriggerError } from '../errors/error.ts';
import { configSchema, type OutriggerConfig } from './schema.ts';

export interface LoadedConfig {
  config: OutriggerConfig;
  /** Absolute path of the file it came from, or null for the embedded default. */
  file: string | null;
  /** Directory that relative module paths are resolved against. */
  baseDir: string;
}

type Env = Record<string, string | undefined>;
type Obj = Record<string, unknown>;

function child(o: Obj, key: string): Obj {
  const v = o[key];
  if (typeof v === 'object' && v !== null) return v as Obj;
  const created: Obj = {};
  o[key] = created;
  return created;
}

function envPort(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new OutriggerError('CONFIG_INVALID', `environment ${name}='${raw}': expected an integer port 0-65535`, {
      field: `env.${name}`,
    });
  }
  return n;
}

/**
 * The environment overrides the seeds use (PORT, IPC_SOCKET, ISP_PORT,
 * LOG_LEVEL) plus a few of our own, applied to the raw config before it is
 * validated so a bad value is reported like any other bad field.
 */
export function applyEnv(raw: Obj, env: Env): Obj {
  const out = structuredClone(raw);
  const listeners = (): Obj => child(out, 'listeners');
  const port = envPort(env, 'PORT');
  if (port !== undefined) child(child(listeners(), 'goridge'), 'tcp').port = port;
  const ispPort = envPort(env, 'ISP_PORT');
  if (ispPort !== undefined) child(child(listeners(), 'isp'), 'tcp').port = ispPort;
  const ipcPort = envPort(env, 'IPC_PORT');
  if (ipcPort !== undefined) child(child(listeners(), 'ipc'), 'tcp').port = ipcPort;
  if (env.IPC_SOCKET) child(child(listeners(), 'ipc'), 'unix').path = env.IPC_SOCKET;
  if (env.GORIDGE_SOCKET) child(child(listeners(), 'goridge'), 'unix').path = env.GORIDGE_SOCKET;
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL;
  const metricsPort = envPort(env, 'METRICS_PORT');
  if (metricsPort !== undefined) child(child(out, 'metrics'), 'http').port = metricsPort;
  if (env.OUTRIGGER_RUN_DIR) out.runDir = env.OUTRIGGER_RUN_DIR;
  return out;
}

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.length > 0 ? i.path.join('.') : '(root)';
      return `config field '${field}': ${i.message}`;
    })
    .join('\n');
}

/** Validates a raw config object; throws CONFIG_INVALID naming each bad field. */
export function parseConfig(raw: unknown, env: Env = process.env): OutriggerConfig {
  if (typeof raw !== 'object' || raw === null) {
    throw new OutriggerError('CONFIG_INVALID', 'the config must be an object (export default defineConfig({...}))');
  }
  const result = configSchema.safeParse(applyEnv(raw as Obj, env));
  if (!result.success) {
    throw new OutriggerError('CONFIG_INVALID', formatIssues(result.error), {
      fields: result.error.issues.map((i) => i.path.join('.')),
    });
  }
  return resolvePaths(result.data);
}

function resolvePaths(config: OutriggerConfig): OutriggerConfig {
  const inRunDir = (p: string): string => (isAbsolute(p) ? p : resolve(config.runDir, p));
  config.runDir = resolve(config.runDir);
  const { ipc, goridge, control } = config.listeners;
  if (ipc.unix) ipc.unix.path = inRunDir(ipc.unix.path);
  if (goridge.unix) goridge.unix.path = inRunDir(goridge.unix.path);
  control.path = inRunDir(control.path);
  return config;
}

/**
 * Loads the config: an explicit file, else ./sidecar.config.ts when present,
 * else the embedded defaults (every listener on loopback, no external service).
 */
export async function loadConfig(file: string | undefined, env: Env = process.env, cwd = process.cwd()): Promise<LoadedConfig> {
  const candidate = file ? resolve(cwd, file) : resolve(cwd, 'sidecar.config.ts');
  if (!existsSync(candidate)) {
    if (file) throw new OutriggerError('CONFIG_LOAD_FAILED', `config file ${candidate} does not exist`);
    return { config: parseConfig({}, env), file: null, baseDir: cwd };
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(candidate).href)) as { default?: unknown };
  } catch (err) {
    const hint = /require\(\)|require\(esm\)|cjs/i.test((err as Error).message)
      ? ' (the file was loaded as CommonJS: put it next to a package.json with "type": "module", or name it .mts)'
      : '';
    throw new OutriggerError('CONFIG_LOAD_FAILED', `cannot load ${candidate}: ${(err as Error).message}${hint}`);
  }
  return { config: parseConfig(mod.default, env), file: candidate, baseDir: dirname(candidate) };
}
