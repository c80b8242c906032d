// The import rules `npm run check` enforces (docs/architecture.md explains
// them): no circles; the runtime knows no feature and no client; codecs do
// no I/O; and inside runtime/ every folder imports only folders of its own
// layer or below.

/** runtime/ folders from the bottom up; a folder may import its own layer and those below it. */
const LAYERS = [
  ['errors', 'version.ts', 'stats', 'security', 'types'],
  ['log.ts', 'codec', 'resilience'],
  ['transport'],
  ['router'],
  ['session'],
  ['actor', 'testing'],
  ['config'],
  ['metrics'],
  ['tracing'],
  ['feature'],
  ['protocols'],
  ['daemon'],
  ['cli'],
];

const inRuntime = (names) => `^runtime/(${names.map((n) => n.replace('.', '\\.')).join('|')})(/|$)`;

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${i}-imports-no-higher-layer`,
  comment: `runtime/{${layer.join(',')}} may not import a higher layer of the runtime`,
  severity: 'error',
  from: { path: inRuntime(layer) },
  to: { path: inRuntime(LAYERS.slice(i + 1).flat()) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules that import each other, directly or through others, are one module in two files',
      severity: 'error',
      from: { path: '^(runtime|actors|clients)/' },
      to: { circular: true },
    },
    {
      name: 'runtime-knows-no-feature',
      comment: 'the core imports no feature, client, bench or test; the composition root (cli.ts, index.ts) names them',
      severity: 'error',
      from: { path: '^runtime/' },
      to: { path: '^(actors|clients|bench|test|examples)/|^(index|cli)\\.ts$' },
    },
    {
      name: 'features-use-no-client',
      comment: 'features are what clients call, never the other way round',
      severity: 'error',
      from: { path: '^actors/' },
      to: { path: '^(clients|bench|test|examples)/|^(index|cli)\\.ts$' },
    },
    {
      name: 'codecs-do-no-io',
      comment: 'a codec turns bytes into values and back: no sockets, files, processes or threads',
      severity: 'error',
      from: { path: '^(runtime/codec|actors/[^/]+/isp/codec)' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(net|fs|fs/promises|http|https|http2|tls|dgram|child_process|worker_threads|cluster)$' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|coverage|\\.peers)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs'] },
  },
};
