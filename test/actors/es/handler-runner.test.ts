import { describe, expect, it } from 'vitest';
import { decodeCanal, type CanalRowMessage } from '../../../actors/es/canal.ts';
import { defineHandler, type DocOp, type RowChange, type TableHandler } from '../../../actors/es/handler-api.ts';
import { runHandler, type ReadyOp } from '../../../actors/es/handler-runner.ts';
import { rowChanges } from '../../../actors/es/row-changes.ts';
import { fixtureLines } from './fixtures.ts';

const insert9 = decodeCanal(fixtureLines('flink-products2.jsonl')[0]!) as CanalRowMessage; // 9 rows
const update1 = decodeCanal(fixtureLines('flink-products2.jsonl')[1]!) as CanalRowMessage;

function run(msg: CanalRowMessage, handler: TableHandler): { events: string[]; ops: ReadyOp[]; done: void | Promise<void> } {
  const events: string[] = [];
  const ops: ReadyOp[] = [];
  const done = runHandler(
    { msg, handler, changes: rowChanges(msg), version: '42', versionField: '_cdc' },
    {
      op: (c, r) => {
        events.push(`op:${c.id}`);
        ops.push(r);
      },
      skip: (reason, rows) => events.push(`skip:${reason}${rows ? `x${rows}` : ''}`),
      failed: (c, err) => events.push(`failed:${c.id}:${(err as { code?: string }).code ?? 'plain'}`),
    },
  );
  return { events, ops, done };
}

describe('runHandler', () => {
  it('sync handlers: every row in order, versioned lines, no promise', () => {
    const h = defineHandler({ insert: (c, doc) => doc.index('p', c.id!, { name: c.row.name }) });
    const r = run(insert9, h);
    expect(r.done).toBeUndefined();
    expect(r.events).toEqual(['101', '102', '103', '104', '105', '106', '107', '108', '109'].map((id) => `op:${id}`));
    expect(r.ops[0]!.lines).toBe('{"index":{"_index":"p","_id":"101","version":42,"version_type":"external_gte"}}\n{"name":"scooter"}\n');
    expect(r.ops[0]!.versioned.source).toBe('inventory.products2');
  });

  it('async handlers keep row order and are awaited', async () => {
    const h = defineHandler({
      insert: async (c, doc) => {
        await new Promise((res) => setTimeout(res, Number(c.id) % 3));
        return doc.index('p', c.id!, {});
      },
    });
    const r = run(insert9, h);
    expect(r.done).toBeInstanceOf(Promise);
    await r.done;
    expect(r.events.map((e) => e.slice(3))).toEqual(['101', '102', '103', '104', '105', '106', '107', '108', '109']);
  });

  it('invalid results, throws, rejections and unserializable documents fail that row only', async () => {
    const h: TableHandler = {
      insert: (c: RowChange, doc) => {
        const id = Number(c.id);
        if (id === 101) throw new Error('boom');
        if (id === 102) return { action: 'index', index: '', id: '1', doc: {} } as DocOp;
        if (id === 103) return doc.index('p', c.id!, { big: 1n });
        if (id === 104) return Promise.reject(new Error('async boom'));
        if (id === 105) return null;
        if (id === 106) return doc.skip('not interesting');
        if (id === 107) return [doc.delete('p', 'old-107'), doc.index('p', c.id!, {})];
        return doc.index('p', c.id!, {});
      },
    };
    const r = run(insert9, h);
    await r.done;
    expect(r.events).toEqual([
      'failed:101:plain',
      'failed:102:ES_HANDLER_FAILED',
      'failed:103:ES_HANDLER_FAILED',
      'failed:104:plain',
      'skip:handler_skip',
      'skip:skip: not interesting',
      'op:107',
      'op:107',
      'op:108',
      'op:109',
    ]);
  });

  it('a table handler without this event type skips the rows, counted by event', () => {
    expect(run(update1, defineHandler({ insert: () => null })).events).toEqual(['skip:no_update_handlerx1']);
  });
});
