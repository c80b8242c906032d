// Which server answers a cluster's `GET /`, and how the Elasticsearch client
// must talk to it. Pure: the parsed body and response headers in, a decision out.
//
// The @elastic/elasticsearch 8 client has two habits older servers refuse:
// - it sends `application/vnd.elasticsearch+json; compatible-with=8` (and the
//   x-ndjson variant for _bulk), which Elasticsearch 7.x and OpenSearch answer
//   with 406 / "Content-Type header ... is not supported";
// - it checks every response for `x-elastic-product: Elasticsearch`, which
//   servers before 7.14 and OpenSearch never send.
// Elasticsearch 8 and 9 accept the compatible-with=8 media type and send the
// header, so they get the client as shipped ('v8'). Elasticsearch 7.x gets
// plain JSON media types and no product check ('compat'); so does OpenSearch
// when it is configured as `elasticsearch` by mistake (with a warning).

export type ClientMode = 'v8' | 'compat';

export interface ServerInfo {
  product: 'Elasticsearch' | 'OpenSearch';
  version: string;
  major: number;
}

export type Detection = { ok: true; server: ServerInfo; mode: ClientMode; warning?: string } | { ok: false; reason: string };

/** `GET /` body and headers → the server and the client mode for `cluster.type: elasticsearch`. */
export function detectElasticsearch(body: unknown, headers: Record<string, unknown>): Detection {
  const v = (body as { version?: { number?: unknown; distribution?: unknown } } | null)?.version;
  const number = typeof v?.number === 'string' ? v.number : null;
  const major = number ? Number.parseInt(number, 10) : Number.NaN;
  if (!number || !Number.isInteger(major)) return { ok: false, reason: `GET / did not answer a version (${JSON.stringify(body).slice(0, 200)})` };
  if (v?.distribution === 'opensearch') {
    return {
      ok: true,
      server: { product: 'OpenSearch', version: number, major },
      mode: 'compat',
      warning: `cluster.type is 'elasticsearch' but the nodes run OpenSearch ${number}; set cluster.type: 'opensearch' to use the OpenSearch client`,
    };
  }
  const server: ServerInfo = { product: 'Elasticsearch', version: number, major };
  if (major >= 8) {
    // The stock client refuses a server that does not say it is Elasticsearch (a proxy that drops the header, say).
    const product = headers['x-elastic-product'];
    if (product !== 'Elasticsearch') return { ok: false, reason: `Elasticsearch ${number} answered without 'x-elastic-product: Elasticsearch' (a proxy dropping headers?)` };
    return { ok: true, server, mode: 'v8' };
  }
  if (major === 7) return { ok: true, server, mode: 'compat' };
  return { ok: false, reason: `Elasticsearch ${number} is not supported (7.x or later is)` };
}
