// Daemon config for bench/goridge/step-timings.ts: bench.config.ts, plus a
// performance.now() pair around each step a Goridge call takes on the main
// thread (the prototypes' methods are wrapped when the daemon loads this
// file). Every second it prints `STEPS {json}` on stdout: each step's
// cumulated milliseconds since start, and `calls`, the reads of a session.
// Timing adds ~0.1 µs per step; the table compares steps, not totals with
// other runs.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import config from './bench.config.ts';
import { gobBodyCodec } from '../../runtime/codec/body/gob-body.ts';
import { GoridgeDecoder } from '../../runtime/codec/goridge.ts';
import { RequestMetrics } from '../../runtime/metrics/request-metrics.ts';
import { GoridgeSession } from '../../runtime/protocols/goridge.ts';
import { GoridgeMethodTable } from '../../runtime/protocols/goridge-methods.ts';
import { Router } from '../../runtime/router/router.ts';
import { Connection } from '../../runtime/transport/connection.ts';

type Fn = (this: unknown, ...args: unknown[]) => unknown;

const totals: Record<string, number> = { calls: 0 };

/** Replaces `holder[name]` by a function that adds its run time to `totals[step]`. */
function timed(holder: object, name: string, step: string): void {
  const target = holder as Record<string, Fn>;
  const original = target[name]!;
  totals[step] = 0;
  target[name] = function (...args) {
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      totals[step]! += performance.now() - t0;
    }
  };
}

// The config is evaluated more than once (loading, then checking); wrap once.
const marker = globalThis as { outriggerStepTimings?: boolean };
if (!marker.outriggerStepTimings) {
  marker.outriggerStepTimings = true;
  const emit = net.Server.prototype.emit as (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean;
  totals['accept'] = 0;
  net.Server.prototype.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'connection') return emit.call(this, event, ...args);
    const t0 = performance.now();
    try {
      return emit.call(this, event, ...args);
    } finally {
      totals['accept']! += performance.now() - t0;
    }
  };
  const onData = GoridgeSession.prototype.onData;
  GoridgeSession.prototype.onData = function (this: GoridgeSession, chunk: Buffer): void {
    totals['calls']!++;
    onData.call(this, chunk);
  };
  timed(GoridgeSession.prototype, 'onData', 'read');
  timed(GoridgeDecoder.prototype, 'push', 'frame');
  timed(GoridgeMethodTable.prototype, 'resolve', 'method');
  timed(Router.prototype, 'dispatch', 'dispatch');
  timed(gobBodyCodec, 'decode', 'decode');
  timed(gobBodyCodec, 'encode', 'encode');
  timed(Router.prototype, 'resolve', 'settle');
  timed(RequestMetrics.prototype, 'record', 'metrics');
  timed(GoridgeSession.prototype, 'resolve', 'reply');
  timed(Connection.prototype, 'flush', 'write');
  timed(Connection.prototype, 'closed', 'close');
  setInterval(() => process.stdout.write(`STEPS ${JSON.stringify(totals)}\n`), 1000).unref();
}

export default config;
