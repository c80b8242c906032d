import { z } from 'zod';

/** `app` block of sidecar.config.ts: the Hi Framework sidecar's App API (App.Init, App.Kafka, App.Shutdown). */
export const appApiConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Actor that serves the Kafka calls App.Kafka and App.Init forward to. */
  kafkaActor: z.string().regex(/^[a-z][a-z0-9_-]*$/i).default('kafka'),
  /** stop: App.Shutdown drains and stops the daemon, as the Hi Framework's Go sidecar does. ignore: answer true and keep running (a sidecar shared by several apps). */
  shutdown: z.enum(['stop', 'ignore']).default('stop'),
});
export type AppApiConfig = z.output<typeof appApiConfigSchema>;
