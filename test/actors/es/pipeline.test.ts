// End to end through the daemon: Canal messages on a real Kafka broker →
// the es actor → a real search cluster, once per cluster of search-peers.ts
// (OpenSearch 2.19.1, Elasticsearch 7.10.2). Needs test/peers/kafka.sh,
// opensearch.sh and elasticsearch.sh running (fails with the start command otherwise).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../../../actors/es/status.ts';
import { builtinFeatures } from '../../../actors/builtins.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { fixtureLines } from './fixtures.ts';
import { canal, closeProducer, createTopic, KAFKA_BROKER, produce, readTopic, lockPeers, requirePeers, waitFor } from './peers.ts';
import { CLUSTERS } from './search-peers.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('../../../examples/es-pipeline/', import.meta.url));
const ES = 1700000000000; // synthetic binlog time for the shop messages
const orderTypes = { id: 4, user_id: 4, status: -6, amount: 3, created_at: 93, paid_at: 93 };
const order = (type: 'INSERT' | 'UPDATE' | 'DELETE', id: number, status: number, es: number, old?: Record<string, string | null>): string =>
  canal({
    database: 'shop',
    table: 'orders',
    type,
    es,
    sqlType: orderTypes,
    mysqlType: { status: 'tinyint(4)', amount: 'decimal(10,2)' },
    rows: [{ id: String(id), user_id: '7', status: String(status), amount: '19.90', created_at: '2023-11-14 22:13:20', paid_at: status > 0 ? '2023-11-14 22:20:00' : null }],
    ...(old ? { old: [old] } : {}),
  });

describe.each(CLUSTERS)('ES pipeline: Canal → Kafka → $name through the daemon', (cluster) => {
  const sfx = `${cluster.type}${Date.now().toString(36)}`;
  const T = {
    inventory: `canal.inventory.${sfx}`,
    shop: `canal.shop.${sfx}`,
    dlq: `canal.dlq.${sfx}`,
  };
  const IDX = { products: `products_${sfx}`, users: `users_${sfx}`, people: `people_${sfx}`, orders: `shop_orders_${sfx}` };
  const documents = (index: string): Promise<Map<string, Record<string, unknown>>> => cluster.documents(index);
  let d: TestDaemon;
  const status = async (): Promise<PipelineStatus[]> => ((await d.client().call('es.status', {})) as { pipelines: PipelineStatus[] }).pipelines;

  let unlock = (): void => {};
  beforeAll(async () => {
    unlock = await lockPeers();
    await requirePeers([cluster]);
    await Promise.all([createTopic(T.inventory), createTopic(T.shop), createTopic(T.dlq)]);
    await Promise.all([cluster.recreateIndex(IDX.products), cluster.recreateIndex(IDX.users), cluster.recreateIndex(IDX.orders), cluster.recreateIndex(IDX.people, { properties: { age: { type: 'integer' } } })]);
    const common = {
      kafka: { brokers: [KAFKA_BROKER] },
      cluster: { type: cluster.type, nodes: [cluster.url] },
      deadLetterTopic: T.dlq,
      limits: { bulkActions: 50, flushIntervalMs: 50, maxWorkerCount: 3 },
      commitIntervalMs: 200,
    };
    d = await startTestDaemon(
      {
        pipelines: {
          inventory: {
            ...common,
            topics: [T.inventory],
            group: `g-inventory-${sfx}`,
            handlers: {
              'inventory.products2': { index: IDX.products },
              'bigdata.user_info': { index: IDX.users, exclude: ['passwd'], partial: true },
              'hr.people': { index: IDX.people },
            },
          },
          shop: {
            ...common,
            topics: [T.shop],
            group: `g-shop-${sfx}`,
            handlers: {
              'shop.orders': { module: './app/shop/orders.ts', options: { index: IDX.orders } },
              'shop.order_payments': { module: './app/shop/order-payments.ts', options: { index: IDX.orders } },
            },
          },
        },
      },
      builtinFeatures,
      EXAMPLE_DIR,
    );
  }, 1_800_000);

  afterAll(async () => {
    await d?.stop();
    await closeProducer();
    await cluster.dropIndices(sfx);
    unlock();
  });

  it('lands inserts, full updates and deletes of the real Canal capture with the right content', async () => {
    await produce(T.inventory, fixtureLines('flink-products2.jsonl'));
    const docs = await waitFor('products to settle', async () => {
      const m = await documents(IDX.products);
      return m.size === 8 && m.get('110')?.weight === 0.5 && !m.has('103') ? m : undefined;
    });
    expect([...docs.keys()].sort()).toEqual(['101', '104', '105', '106', '107', '108', '109', '110']);
    expect(docs.get('101')).toEqual({ id: 101, name: 'scooter', description: 'Small 2-wheel scooter', weight: 5.17 });
    expect(docs.get('106')).toMatchObject({ description: '18oz carpenter hammer' });
    expect(docs.get('107')).toMatchObject({ weight: 5.1 });
    expect(docs.get('110')).toEqual({ id: 110, name: 'jacket', description: 'new water resistent white wind breaker', weight: 0.5 });
    const [inv] = (await status()).filter((p) => p.name === 'inventory');
    expect(inv!.counters.skipped.ddl).toBe(1);
  });

  it('partial updates change only the changed columns, guarded per table; deletes remove', async () => {
    const [ins, upd, del] = fixtureLines('bigdata-user-info.jsonl');
    await produce(T.inventory, [ins!, upd!]);
    const user = await waitFor('user 10001 updated', async () => {
      const u = (await documents(IDX.users)).get('10001');
      return u?.name === 'update' ? u : undefined;
    });
    expect(user).toMatchObject({ id: 10001, login_name: 'test', birthday: '1999-09-09', create_time: '2020-02-02T02:02:02', operate_time: null });
    expect(user).not.toHaveProperty('passwd');
    expect(Object.keys(user._cdc as object)).toEqual(['bigdata.user_info']);
    await produce(T.inventory, [del!]);
    await waitFor('user 10001 deleted', async () => !(await documents(IDX.users)).has('10001'));
  });

  it('handler-written documents from two tables; a Canal replay of a stretch of the binlog ends at the newest image', async () => {
    const history = [
      order('INSERT', 1, 0, ES),
      order('INSERT', 2, 0, ES),
      order('INSERT', 3, 0, ES),
      canal({ database: 'shop', table: 'order_payments', type: 'INSERT', es: ES + 5000, sqlType: { id: 4, order_id: 4, method: 12, amount: 3 }, rows: [{ id: '50', order_id: '2', method: 'card', amount: '19.90' }] }),
      order('UPDATE', 2, 1, ES + 6000, { status: '0', paid_at: null }),
      order('DELETE', 3, 0, ES + 7000),
    ];
    await produce(T.shop, history);
    const paid = await waitFor('order 2 paid', async () => {
      const m = await documents(IDX.orders);
      const o = m.get('2');
      return o?.status === 1 && o.payment_method === 'card' && !m.has('3') ? o : undefined;
    });
    expect(paid).toMatchObject({ user_id: 7, status: 1, status_label: 'paid', amount: '19.90', paid_amount: '19.90', paid_at: '2023-11-14T22:20:00' });

    // Canal restarts from an older binlog position: it sends the same stretch again, in binlog order, then goes
    // on. The documents pass through older images while the replay runs and end at the newest one.
    await produce(T.shop, [...history, order('UPDATE', 1, 2, ES + 9000, { status: '0' })]);
    const products = fixtureLines('flink-products2.jsonl');
    await produce(T.inventory, products);
    await waitFor('order 1 shipped', async () => (await documents(IDX.orders)).get('1')?.status === 2);
    const after = await documents(IDX.orders);
    expect(after.get('2')).toMatchObject({ status: 1, status_label: 'paid', payment_method: 'card' });
    expect(after.has('3')).toBe(false);
    await waitFor('replayed products applied', async () => {
      const [inv] = (await status()).filter((p) => p.name === 'inventory');
      return inv!.buffered === 0 && inv!.inFlight.bulks === 0 && inv!.lag === 0 ? inv : undefined;
    }, 20_000);
    const docs = await documents(IDX.products);
    expect([...docs.keys()].sort()).toEqual(['101', '104', '105', '106', '107', '108', '109', '110']);
    expect(docs.get('106')).toMatchObject({ description: '18oz carpenter hammer' });
    expect(docs.get('110')).toEqual({ id: 110, name: 'jacket', description: 'new water resistent white wind breaker', weight: 0.5 });
  });

  it('rejected documents and undecodable records go to the dead-letter topic with the reason; the pipeline continues', async () => {
    const people = (id: number, age: string): string =>
      canal({ database: 'hr', table: 'people', type: 'INSERT', es: ES, sqlType: { id: 4, age: 12 }, rows: [{ id: String(id), age }] });
    await produce(T.inventory, [people(1, '41'), people(2, 'forty'), 'this is not a canal message', people(3, '7'), canal({ database: 'other', table: 'untracked', type: 'INSERT', es: ES, sqlType: { id: 4 }, rows: [{ id: '1' }] })]);
    await waitFor('people 1 and 3', async () => {
      const m = await documents(IDX.people);
      return m.has('1') && m.has('3') ? m : undefined;
    });
    expect((await documents(IDX.people)).has('2')).toBe(false);
    const letters = await readTopic(T.dlq, 2);
    const byReason = new Map(letters.map((l) => [l.headers['x-outrigger-reason'], JSON.parse(l.value) as Record<string, unknown>]));
    expect(byReason.get('ES_DOC_REJECTED')).toMatchObject({
      pipeline: 'inventory',
      reason: { code: 'ES_DOC_REJECTED', status: 400, type: 'mapper_parsing_exception' },
      source: { topic: T.inventory, database: 'hr', table: 'people', type: 'INSERT' },
      operation: { action: 'index', index: IDX.people, id: '2' },
      document: { id: 2, age: 'forty' },
      row: { id: '2', age: 'forty' },
    });
    expect(byReason.get('CANAL_MALFORMED')).toMatchObject({ reason: { code: 'CANAL_MALFORMED' }, value: 'this is not a canal message' });
    const [inv] = (await status()).filter((p) => p.name === 'inventory');
    expect(inv!.counters.deadLettered).toBe(2);
    expect(inv!.counters.skipped).toMatchObject({ malformed: 1, no_handler: 1, ddl: 2 }); // the fixture's DDL, and again in the replay
  });

  it('two pipelines side by side, each with its own status in es.status and sys.stats', async () => {
    const list = await waitFor('lag refreshed to 0', async () => {
      const s = await status();
      return s.every((p) => p.lag === 0 && p.buffered === 0 && p.inFlight.bulks === 0) ? s : undefined;
    });
    expect(list.map((p) => p.name).sort()).toEqual(['inventory', 'shop']);
    const byName = new Map(list.map((p) => [p.name, p]));
    // Each pipeline consumed only its own topic with its own group and handlers.
    expect(byName.get('inventory')).toMatchObject({ state: 'running', lastError: null, group: expect.stringContaining('g-inventory') });
    expect(byName.get('inventory')!.counters.indexed).toBeGreaterThan(0);
    expect(byName.get('inventory')!.counters.updated).toBe(1); // the partial user update
    expect(byName.get('shop')).toMatchObject({ state: 'running', lastError: null, group: expect.stringContaining('g-shop') });
    expect(byName.get('shop')!.counters.updated).toBeGreaterThan(0);
    expect(byName.get('shop')!.counters.indexed).toBe(0); // the shop handlers only write partial updates
    await expect(d.client().call('es.status', { pipeline: 'nope' })).rejects.toMatchObject({ code: 'ES_PIPELINE_UNKNOWN' });
    const stats = (await d.client().call('sys.stats')) as { sections: Record<string, { table: string[][]; data: PipelineStatus[] }> };
    expect(stats.sections.pipelines!.table[0]).toContain('DOCS/S');
    expect(stats.sections.pipelines!.data.map((p) => p.name).sort()).toEqual(['inventory', 'shop']);
  });
});
