// actors/greeter.ts
import { defineActor, OutriggerError } from 'outrigger';

export default defineActor({
  name: 'greeter', // must equal its key under `actors` in the config
  kind: 'pooled', // stateless: any worker may serve any request
  methods: ['hello'],
  create: () => ({
    // runs once per worker thread
    handlers: {
      hello: (params) => {
        const name = (params as { name?: unknown } | undefined)?.name;
        if (typeof name !== 'string') throw new OutriggerError('INVALID_PARAMS', 'params.name must be a string', { field: 'name' });
        return `hello ${name}`;
      },
    },
  }),
});
