// Behaviour check for the piscina prototype: the supervision and cancellation
// guarantees of the current worker host, tried on the current host and on
// PiscinaHost in both modes, in one daemon each. Prints one table.
// Run: node bin/run-ts.mjs bench/ipc/piscina/check.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { startTestDaemon } from '../../../test/helpers/daemon.ts';

const { moveToPiscina } = await import('./swap.ts');

type Host = 'current' | 'piscina-batch' | 'piscina-task';
const HOSTS: Host[] = ['current', 'piscina-batch', 'piscina-task'];
const REFUSE = join(mkdtempSync(join(tmpdir(), 'piscina-check-')), 'refuse');
const codeOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: { code: string }) => e.code);

/** True once a short call to `method` succeeds again, trying for up to 20 s (a worker boot takes seconds on a busy box). */
async function servesAgain(c: IpcClient, method: string): Promise<boolean> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if ((await codeOf(c.call(method, { ms: 1 }, { serverTimeoutMs: 500 }))) === 'ok') return true;
    await sleep(50);
  }
  return false;
}

const CHECKS: { name: string; run: (c: IpcClient) => Promise<string> }[] = [
  {
    name: 'actor error keeps its code and data',
    run: async (c) => {
      const e = await c.call('faulty.fail').then(() => null, (err: { code: string; data?: { detail?: number } }) => err);
      return e?.code === 'CUSTOM_FAILURE' && e.data?.detail === 42 ? 'yes' : `no (${JSON.stringify(e)})`;
    },
  },
  {
    name: 'timeout: TIMEOUT at the deadline, handler signal aborted',
    run: async (c) => {
      const before = (await c.call('probe.aborted')) as number;
      const t0 = Date.now();
      const code = await codeOf(c.call('probe.wait', { ms: 2000 }, { serverTimeoutMs: 100 }));
      const took = Date.now() - t0;
      await sleep(200);
      const after = (await c.call('probe.aborted')) as number;
      return code === 'TIMEOUT' && took < 1000 && after > before ? 'yes' : `no (${code} after ${took} ms, aborts ${before} -> ${after})`;
    },
  },
  {
    name: 'a fast request sent in the same turn as a slow one is answered at once',
    run: async (c) => {
      const slow = c.call('probe.wait', { ms: 1000 });
      const t0 = Date.now();
      await c.call('probe.wait', { ms: 1 });
      const took = Date.now() - t0;
      await slow;
      return took < 500 ? 'yes' : `no (after ${took} ms, with the slow one)`;
    },
  },
  {
    name: 'crash: every in-flight request WORKER_CRASHED at once, then serves',
    run: async (c) => {
      const slow = Array.from({ length: 10 }, () => codeOf(c.call('faulty.sleep', { ms: 5000 })));
      await sleep(50);
      const t0 = Date.now();
      const codes = await Promise.all([...slow, codeOf(c.call('faulty.crash'))]);
      const took = Date.now() - t0;
      const ok = codes.every((x) => x === 'WORKER_CRASHED') && took < 2000;
      const again = await servesAgain(c, 'faulty.sleep');
      return ok && again ? 'yes' : `no (${[...new Set(codes)].join(',')} in ${took} ms, serves again: ${again})`;
    },
  },
  {
    name: 'hang: blocked worker replaced, its requests WORKER_HUNG, then serves',
    run: async (c) => {
      const hung = codeOf(c.call('faulty.hang', { ms: 20_000 }));
      await sleep(20);
      const queued = codeOf(c.call('faulty.sleep', { ms: 1 }));
      const codes = [await hung, await queued];
      const again = await servesAgain(c, 'faulty.sleep');
      return codes.every((x) => x === 'WORKER_HUNG') && again ? 'yes' : `no (${codes.join(',')}, serves again: ${again})`;
    },
  },
  {
    name: 'restart that fails (create() throws): ACTOR_UNAVAILABLE, recovers once create() works',
    run: async (c) => {
      writeFileSync(REFUSE, '');
      await codeOf(c.call('probe.crash'));
      let code = '';
      const t0 = Date.now();
      while (Date.now() - t0 < 20_000 && code !== 'ACTOR_UNAVAILABLE') code = await codeOf(c.call('probe.wait', { ms: 1 }, { serverTimeoutMs: 500 }));
      const refusedAfter = Date.now() - t0;
      rmSync(REFUSE);
      const again = await servesAgain(c, 'probe.wait');
      return code === 'ACTOR_UNAVAILABLE' && again ? 'yes' : `no (last answer ${code} after ${refusedAfter} ms, serves again: ${again})`;
    },
  },
  {
    name: 'pinned, 2 workers: every key stays on one worker',
    run: async (c) => {
      const names = Array.from({ length: 20 }, (_, i) => `n${i}`);
      const replies = (await Promise.all(
        names.flatMap((name) => Array.from({ length: 10 }, () => c.call('example.incr', { name }))),
      )) as { name: string; value: number; worker: number }[];
      const workers = new Map<string, Set<number>>();
      for (const r of replies) (workers.get(r.name) ?? workers.set(r.name, new Set()).get(r.name)!).add(r.worker);
      const finals = (await Promise.all(names.map((name) => c.call('example.get', { name })))) as { value: number }[];
      const used = new Set(replies.map((r) => r.worker));
      const ok = [...workers.values()].every((s) => s.size === 1) && finals.every((f) => f.value === 10) && used.size === 2;
      return ok ? 'yes' : `no (workers per key ${[...workers.values()].map((s) => s.size).join('')}, used ${[...used].join(',')})`;
    },
  },
];

async function checkHost(host: Host): Promise<string[]> {
  const d = await startTestDaemon(
    {
      workers: { heartbeatMs: 100, hangTimeoutMs: 600, restartBackoffMs: { initial: 50, max: 200 } },
      actors: {
        faulty: { module: fileURLToPath(new URL('../../../test/fixtures/actors/faulty.ts', import.meta.url)) },
        probe: { module: fileURLToPath(new URL('./probe-actor.ts', import.meta.url)), options: { refuseIf: REFUSE } },
        example: { module: fileURLToPath(new URL('../../../actors/example/counter.ts', import.meta.url)), workers: 2 },
      },
    },
  );
  try {
    if (host !== 'current') {
      const mode = host === 'piscina-task' ? 'task' : 'batch';
      for (const actor of ['faulty', 'probe', 'example']) await moveToPiscina(d.daemon, actor, mode);
    }
    const c = d.client({ timeoutMs: 30_000 });
    const out: string[] = [];
    for (const check of CHECKS) {
      out.push(await check.run(c).catch((err: Error) => `no (${err.message})`));
      process.stderr.write(`${host}: ${check.name}: ${out[out.length - 1]}\n`);
    }
    return out;
  } finally {
    await d.stop();
  }
}

const results = new Map<Host, string[]>();
for (const host of HOSTS) results.set(host, await checkHost(host));
console.log('| check | current host | piscina, task per batch | piscina, task per request |');
console.log('| --- | --- | --- | --- |');
CHECKS.forEach((check, i) => console.log(`| ${check.name} | ${HOSTS.map((h) => results.get(h)![i]).join(' | ')} |`));
rmSync(join(REFUSE, '..'), { recursive: true, force: true });
