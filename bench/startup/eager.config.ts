// bench/startup: the repository's sidecar.config.ts with every actor started
// with the daemon (the footprint an idle daemon had before lazy start).
import { fileURLToPath } from 'node:url';
import { defineConfig } from '../../index.ts';
import base from '../../sidecar.config.ts';

export default defineConfig({
  ...base,
  actors: {
    // Module paths resolve against this file's folder: name the example's by its absolute path.
    example: { module: fileURLToPath(new URL('../../actors/example/counter.ts', import.meta.url)), workers: 1, start: 'eager' },
    sys: { start: 'eager' },
    kafka: { start: 'eager' },
    modbus: { start: 'eager' },
  },
});
