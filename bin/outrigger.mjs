#!/usr/bin/env node
// The daemon is written in TypeScript and run through tsx's loader, so user
// actors and sidecar.config.ts need no build step either.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv.slice(2));
