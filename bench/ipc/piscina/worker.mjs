// Piscina's worker entry for PiscinaHost. Worker threads do not inherit the
// main thread's tsx loader: register it, then load the TypeScript task module
// (its top-level await creates the actor, so piscina reports the worker ready
// only once the actor is).
import { register } from 'tsx/esm/api';

register();
const mod = await import('./worker.ts');
export default mod.default;
