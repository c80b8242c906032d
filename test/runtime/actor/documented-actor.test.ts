import { describe, expect, it } from 'vitest';
import { createActorHarness } from '../../../runtime/testing/actor-harness.ts';
import notes from '../../fixtures/actors/notes.ts';
import { startTestDaemon } from '../../helpers/daemon.ts';

describe('an actor written only from docs/actors.md', () => {
  it('unit-tests through the harness: JSON round trip, codes, publish', async () => {
    const h = await createActorHarness(notes, { maxPerBook: 2 });
    expect(await h.call('add', { book: 'b', text: 'one' })).toBe(1);
    expect(await h.call('add', { book: 'b', text: 'two' })).toBe(2);
    await expect(h.call('add', { book: 'b' })).rejects.toMatchObject({ code: 'BOOK_FULL', data: { max: 2 } });
    await expect(h.call('list', {})).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    expect(await h.call('list', { book: 'b' })).toEqual(['one', 'two']);
    expect(h.published[0]).toEqual({ topic: 'notes.added', data: { book: 'b', count: 1, key: 'b' } });
    await h.close();
  });

  it('is loaded from config and reachable with no runtime change', async () => {
    const d = await startTestDaemon({
      actors: { notes: { module: './test/fixtures/actors/notes.ts', workers: 2, options: { maxPerBook: 5 } } },
    });
    const events: unknown[] = [];
    d.daemon.events.on('publish', (actor, topic, data) => {
      if (topic === 'notes.added') events.push([actor, data]);
    });
    const c = d.client();
    expect(await c.call('notes.add', { book: 'x', text: 'hi' })).toBe(1);
    expect(await c.call('notes.list', { book: 'x' })).toEqual(['hi']);
    await expect(c.call('notes.add', { nope: 1 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([['notes', { book: 'x', count: 1, key: 'x' }]]);
    await d.stop();
  });

  it('with a single worker, the worker derives call.key itself (no main-thread parse)', async () => {
    const d = await startTestDaemon({ actors: { notes: { module: './test/fixtures/actors/notes.ts', workers: 1 } } });
    const events: unknown[] = [];
    d.daemon.events.on('publish', (_actor, topic, data) => {
      if (topic === 'notes.added') events.push(data);
    });
    const c = d.client();
    expect(await c.call('notes.add', { book: 'solo', text: 'a' })).toBe(1);
    await expect(c.call('notes.add', { text: 'no book' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([{ book: 'solo', count: 1, key: 'solo' }]);
    await d.stop();
  });
});
