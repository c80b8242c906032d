import { describe, expect, it } from 'vitest';
import type { DataEvent } from '../../../actors/modbus/events.ts';
import { DataPublisher } from '../../../actors/modbus/publisher.ts';
import { nowNs, parseIspLine } from '../../../actors/modbus/isp/codec.ts';
import { encodePoint, pointTemplate } from '../../../actors/modbus/isp/data-lines.ts';

describe('DataPublisher', () => {
  it('turns the polls of one turn into one event of DATA lines of at most 100 points', async () => {
    const events: DataEvent[] = [];
    const pub = new DataPublisher((e) => events.push(e));
    const ts = nowNs();
    const t = pointTemplate('temp', 'plc1', 'float32', { unit: 'C' });
    pub.add('plc1', Array.from({ length: 250 }, (_, i) => encodePoint(t, ts, String(i), 1)), ts);
    pub.add('plc2', Array.from({ length: 30 }, (_, i) => encodePoint(t, ts, String(i), 0)), ts);
    await new Promise((r) => setImmediate(r));
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect({ points: e.points, messages: e.messages }).toEqual({ points: 280, messages: 4 });
    const lines = e.lines.toString().trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).payload.points.length)).toEqual([100, 100, 50, 30]);
    for (const l of lines) expect(parseIspLine(Buffer.from(l), 'sidecar').ok).toBe(true);
  });
});
