import { z } from 'zod';
import { listenerCommon, tcpSchema, unixSchema } from '../../../runtime/config/schema.ts';

const MiB = 1024 * 1024;
/** Unsent bytes a gateway socket may hold before DATA waits in the session queue. */
export const ISP_SOCKET_HIGH_WATER_BYTES = 1 * MiB;
/** DATA a slow gateway may have waiting before the oldest is dropped (about 50k points). */
export const ISP_MAX_QUEUED_DATA_BYTES = 8 * MiB;

/**
 * `listeners.isp`: the ISP gateway listener (TCP, default 127.0.0.1:50052,
 * env ISP_PORT; and/or a unix socket, which file permissions guard where
 * other local users must not reach the gateway protocol).
 */
export const ispListenerSchema = z
  .strictObject({
    ...listenerCommon,
    tcp: tcpSchema.optional(),
    unix: unixSchema.optional(),
    maxLineBytes: z.number().int().positive().default(1 * MiB),
    heartbeatMs: z.number().int().positive().default(15_000),
    /** A gateway silent for this many heartbeat intervals is dropped. */
    missedHeartbeats: z.number().int().positive().default(3),
    /** Unsent bytes a gateway socket may hold before DATA waits in the gateway's queue. */
    socketHighWaterBytes: z.number().int().positive().default(ISP_SOCKET_HIGH_WATER_BYTES),
    /** DATA bytes a slow gateway may have waiting before the oldest is dropped. */
    maxQueuedDataBytes: z.number().int().positive().default(ISP_MAX_QUEUED_DATA_BYTES),
    /** Devices one gateway may own (configure with CONFIG) at once. */
    maxDevicesPerGateway: z.number().int().positive().default(64),
    /** Devices all gateways together may own at once. */
    maxDevices: z.number().int().positive().default(1024),
  })
  .prefault({ tcp: { port: 50052 } });
