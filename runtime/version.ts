import { readFileSync } from 'node:fs';

/** Outrigger's version, from package.json (reported in outrigger_info and status). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
