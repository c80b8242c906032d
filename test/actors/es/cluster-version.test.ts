import { describe, expect, it } from 'vitest';
import { detectElasticsearch } from '../../../actors/es/cluster-version.ts';

const product = { 'x-elastic-product': 'Elasticsearch' };

describe('detectElasticsearch', () => {
  it('8.x and 9.x with the product header: the client as shipped', () => {
    expect(detectElasticsearch({ version: { number: '8.14.1' } }, product)).toEqual({ ok: true, server: { product: 'Elasticsearch', version: '8.14.1', major: 8 }, mode: 'v8' });
    expect(detectElasticsearch({ version: { number: '9.0.0' } }, product)).toMatchObject({ ok: true, mode: 'v8' });
  });

  it('8.x without the header is refused with the reason (the shipped client would refuse every response)', () => {
    expect(detectElasticsearch({ version: { number: '8.1.0' } }, {})).toMatchObject({ ok: false, reason: expect.stringContaining('x-elastic-product') });
  });

  it('7.x: plain media types, with or without the header (7.14+ sends it)', () => {
    expect(detectElasticsearch({ version: { number: '7.10.2', build_flavor: 'unknown' } }, {})).toMatchObject({ ok: true, mode: 'compat', server: { major: 7 } });
    expect(detectElasticsearch({ version: { number: '7.17.9' } }, product)).toMatchObject({ ok: true, mode: 'compat' });
  });

  it('OpenSearch answers with distribution "opensearch": works in 7.x mode, with a warning', () => {
    const d = detectElasticsearch({ version: { distribution: 'opensearch', number: '2.19.1' } }, {});
    expect(d).toMatchObject({ ok: true, mode: 'compat', server: { product: 'OpenSearch', version: '2.19.1' } });
    expect(d.ok && d.warning).toContain("cluster.type: 'opensearch'");
  });

  it('refuses 6.x and bodies without a version', () => {
    expect(detectElasticsearch({ version: { number: '6.8.23' } }, {})).toMatchObject({ ok: false });
    expect(detectElasticsearch({ error: 'nope' }, {})).toMatchObject({ ok: false, reason: expect.stringContaining('did not answer a version') });
    expect(detectElasticsearch(null, {})).toMatchObject({ ok: false });
  });
});
