#!/usr/bin/env node
// The `outrigger` command. Installed, the package runs its compiled
// JavaScript (dist/). In a clone, where the TypeScript source sits beside
// this file, it runs the source through tsx so a change needs no rebuild;
// OUTRIGGER_DIST=1 runs the clone's dist/ instead (`npm run build` first).
import { existsSync } from 'node:fs';
import { setTimeout } from 'node:timers';

const source = new URL('../cli.ts', import.meta.url);
let entry = new URL('../dist/cli.js', import.meta.url);
if (existsSync(source) && process.env.OUTRIGGER_DIST !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = source;
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
process.exitCode = code;
// The command is done (a daemon in the foreground has stopped): whatever a
// failed start-up could not close (a thread stuck in a system call, a
// library's timer) must not keep the process alive.
setTimeout(() => process.exit(code), 3000).unref();
