// The load the failure tests and the driver tests push through a pipeline,
// and the check that it landed exactly once in effect.
import { expect } from 'vitest';
import { canal, waitFor, type Outgoing } from './peers.ts';
import type { SearchPeer } from './search-peers.ts';

export const ES = 1_700_000_000_000;
export const IDS = 1000;
const ROWS_PER_MESSAGE = 10;

/**
 * The workload: every id is inserted (v=0), updated twice (v=1 in the same
 * binlog second, v=2 stamped 3 s earlier: its statement began before v=1's
 * and committed after it), and every tenth id is then deleted (stamped like
 * v=2). Returns the messages in binlog order, keyed like Canal's
 * partitionHash (one key per run of ids, so a row's changes share a partition).
 */
export function workload(): Outgoing[] {
  const out: Outgoing[] = [];
  const types = { id: 4, v: 4, name: 12 };
  const batch = (type: 'INSERT' | 'UPDATE' | 'DELETE', from: number, v: number, es: number, only?: (id: number) => boolean): void => {
    const ids = Array.from({ length: ROWS_PER_MESSAGE }, (_, i) => from + i).filter((id) => !only || only(id));
    if (ids.length === 0) return;
    out.push({
      key: String(from),
      value: canal({
        database: 'load',
        table: 'items',
        type,
        es,
        sqlType: types,
        rows: ids.map((id) => ({ id: String(id), v: String(v), name: `item ${id} v${v}` })),
        ...(type === 'UPDATE' ? { old: ids.map(() => ({ v: String(v - 1) })) } : {}),
      }),
    });
  };
  for (let from = 1; from <= IDS; from += ROWS_PER_MESSAGE) {
    const es = ES + from * 1000;
    batch('INSERT', from, 0, es);
    batch('UPDATE', from, 1, es);
    batch('UPDATE', from, 2, es - 3000);
    batch('DELETE', from, 2, es - 3000, (id) => id % 10 === 0);
  }
  return out;
}

/** Waits until the index holds exactly the workload's final images: nothing missing, nothing stale, deletes gone. */
export async function expectExactlyOnceInEffect(cluster: SearchPeer, index: string): Promise<void> {
  const docs = await waitFor(
    `${index} complete`,
    async () => {
      const m = await cluster.documents(index);
      return m.size === IDS - IDS / 10 && [...m.values()].every((d) => d.v === 2) ? m : undefined;
    },
    180_000,
  );
  for (let id = 1; id <= IDS; id++) {
    if (id % 10 === 0) expect(docs.has(String(id))).toBe(false);
    else expect(docs.get(String(id))).toEqual({ id, v: 2, name: `item ${id} v2` });
  }
}
