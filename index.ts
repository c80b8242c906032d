// The public API of the `outrigger` package: what a config file, an actor,
// a feature plugin, an actor's tests and a TypeScript client import.
import type { BuiltinSections } from './actors/builtins.ts';
import type { ConfigInputOf } from './runtime/config/define.ts';

export { defineActor, type ActorContext, type ActorDefinition, type ActorInstance, type ActorKind, type CallContext, type Handler } from './runtime/actor/api.ts';
export {
  defineFeature,
  moduleBeside,
  type DaemonEventMap,
  type FeatureActor,
  type FeatureConfig,
  type FeatureContext,
  type FeatureDefinition,
  type MethodOptions,
  type StatusTable,
} from './runtime/feature/api.ts';
export { OutriggerError, type SerializedError } from './runtime/errors/error.ts';
export { ERROR_CODES, type ErrorCode } from './runtime/errors/codes.ts';
export { type PolicyClass } from './runtime/router/policy.ts';
export { formatIssues } from './runtime/config/issues.ts';
// Building blocks for actors that call backends (docs/resilience.md).
export { CircuitBreaker } from './runtime/resilience/circuit-breaker.ts';
export { Backoff } from './runtime/resilience/backoff.ts';
export { retry, type RetryOptions } from './runtime/resilience/retry.ts';
export { withTimeout } from './runtime/resilience/timeout.ts';
export { policy, type Policy, type PolicyOptions } from './runtime/resilience/policy.ts';
export { createActorHarness, type ActorHarness, type HarnessCallOptions } from './runtime/testing/actor-harness.ts';
export { IpcClient, type CallOptions as IpcCallOptions, type IpcClientOptions } from './clients/ts/ipc-client.ts';
export { GoridgeClient, type GoridgeClientOptions, type GoridgeReply } from './clients/ts/goridge-client.ts';
/** Goridge frame flags; a GoridgeClient call's codec is one of JSON (the default), MSGPACK, RAW, GOB. */
export { GORIDGE_FLAG } from './runtime/codec/goridge.ts';
export { IspClient, type IspClientOptions, type IspPoint } from './clients/ts/isp-client.ts';

/** What sidecar.config.ts may hold: the core's fields and the built-in features' sections. */
export type ConfigInput = ConfigInputOf<BuiltinSections> & { readonly [section: string]: unknown };

/** Typed identity for sidecar.config.ts: `export default defineConfig({ ... })`. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}
