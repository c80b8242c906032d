import { esPipelinesPlugin } from '../../actors/es/plugin.ts';
import type { ListenerPlugin } from './daemon.ts';

/**
 * Listener plugins the CLI starts with the daemon. Each protocol beyond the
 * core IPC listener (Goridge, ISP, metrics) adds one line here.
 */
export const featurePlugins: ListenerPlugin[] = [esPipelinesPlugin];
