import { createRequire } from 'node:module';

/**
 * Outrigger's version, from its package.json (reported in outrigger_info and
 * status). Read through the package's own name, so it is found from the
 * source and from the compiled dist/ alike.
 */
export const VERSION: string = (createRequire(import.meta.url)('outrigger/package.json') as { version: string }).version;
