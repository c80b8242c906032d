// greeter.test.ts: the actor's handlers in-process, with node:test
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createActorHarness } from 'outrigger';
import greeter from './actors/greeter.ts';

test('greeter', async () => {
  const h = await createActorHarness(greeter, {});
  assert.equal(await h.call('hello', { name: 'php' }), 'hello php');
  await assert.rejects(h.call('hello', {}), { code: 'INVALID_PARAMS' });
  await h.close();
});
