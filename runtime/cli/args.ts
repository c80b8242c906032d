// The command line, parsed by node:util's parseArgs per command: an unknown
// command, flag or a flag without its value is named, never ignored.
import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';

export interface CliArgs {
  command: 'start' | 'stop' | 'status' | 'reload' | 'help';
  config: string | undefined;
  foreground: boolean;
  json: boolean;
  timeoutMs: number | undefined;
}

/** A command line the CLI can't run; `outrigger` prints it with the usage and exits 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

const CONFIG: Options = { config: { type: 'string', short: 'c' } };
const OPTIONS: Record<Exclude<CliArgs['command'], 'help'>, Options> = {
  start: { ...CONFIG, foreground: { type: 'boolean', short: 'f' } },
  stop: { ...CONFIG, timeout: { type: 'string' } },
  status: { ...CONFIG, json: { type: 'boolean' } },
  reload: CONFIG,
};

export function parseArgs(argv: string[]): CliArgs {
  const [first, ...rest] = argv;
  const none: CliArgs = { command: 'help', config: undefined, foreground: false, json: false, timeoutMs: undefined };
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') return none;
  if (!(first in OPTIONS)) throw new UsageError(`unknown command '${first}'`);
  const command = first as keyof typeof OPTIONS;
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseNodeArgs({ args: rest, options: OPTIONS[command], strict: true, allowPositionals: false }));
  } catch (err) {
    const m = (err as Error).message;
    const name = /'(-[^' ]*)/.exec(m)?.[1];
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option '${name}' for '${command}'`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${m.replace(/^Option/, 'option')} (${command})`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`'${command}' takes no argument '${/'([^']*)'/.exec(m)?.[1]}'`);
    throw new UsageError(m);
  }
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`option '--timeout' needs a whole number of milliseconds, not '${String(values.timeout)}'`);
  }
  return {
    command,
    config: values.config as string | undefined,
    foreground: values.foreground === true,
    json: values.json === true,
    timeoutMs,
  };
}

export const USAGE = `usage: outrigger <command> [options]

commands:
  start [--config FILE] [--foreground]   start the daemon (in the background unless --foreground)
  stop [--config FILE] [--timeout MS]    drain in-flight work (at most MS, default shutdown.graceMs) and stop; reports what was drained
  status [--config FILE] [--json]        pid, uptime, listeners, actors, queues, in-flight, breakers
  reload [--config FILE]                 re-read and apply the config (same as SIGHUP); prints what changed
  help                                   this text

The config defaults to ./sidecar.config.ts, or the embedded defaults when there is none.`;
