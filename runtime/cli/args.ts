export interface CliArgs {
  command: string;
  config: string | undefined;
  foreground: boolean;
  json: boolean;
  timeoutMs: number | undefined;
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { command: argv[0] ?? 'help', config: undefined, foreground: false, json: false, timeoutMs: undefined };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '-c') args.config = argv[++i];
    else if (a.startsWith('--config=')) args.config = a.slice(9);
    else if (a === '--foreground' || a === '-f') args.foreground = true;
    else if (a === '--json') args.json = true;
    else if (a === '--timeout') args.timeoutMs = Number(argv[++i]);
    else throw new Error(`unknown option '${a}'`);
  }
  return args;
}

export const USAGE = `usage: outrigger <command> [options]

commands:
  start [--config FILE] [--foreground]   start the daemon (in the background unless --foreground)
  stop [--config FILE] [--timeout MS]    drain in-flight work and stop; reports what was drained
  status [--config FILE] [--json]        pid, uptime, listeners, actors, queues, in-flight, breakers
  reload [--config FILE]                 re-read and apply the config (same as SIGHUP); prints what changed

The config defaults to ./sidecar.config.ts, or the embedded defaults when there is none.`;
