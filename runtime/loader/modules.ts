// Loading the modules a user writes (sidecar.config.ts, actors, feature
// plugins, pipeline handlers) in TypeScript without a build step on their
// side. The daemon itself runs compiled JavaScript once installed, so the
// TypeScript loader (tsx) is registered only when the first .ts/.mts/.cts
// module is imported, in the thread that imports it: a daemon whose config
// and actors are JavaScript never pays for it (docs/design/typescript-loading.md).

const TYPESCRIPT = /\.[cm]?ts$/;

/**
 * True when this module is itself running as TypeScript (a clone run through
 * tsx, or vitest): a loader is already in place in this thread.
 */
const RUNNING_AS_TYPESCRIPT = TYPESCRIPT.test(new URL(import.meta.url).pathname);

let registering: Promise<void> | null = null;

/** Whether `url` (a file URL or path) names a TypeScript module. */
export function isTypeScriptModule(url: string | URL): boolean {
  const s = String(url);
  const path = s.startsWith('file:') ? new URL(s).pathname : s.split(/[?#]/)[0]!;
  return TYPESCRIPT.test(path);
}

/** Registers the TypeScript loader in this thread, once. */
export function enableTypeScript(): Promise<void> {
  registering ??= RUNNING_AS_TYPESCRIPT
    ? Promise.resolve()
    : import('tsx/esm/api').then(({ register }) => {
        register();
      });
  return registering;
}

/** import() that first registers the TypeScript loader when `url` is a TypeScript module. */
export async function importModule(url: string): Promise<unknown> {
  if (isTypeScriptModule(url)) await enableTypeScript();
  return import(url) as Promise<unknown>;
}

/**
 * The URL of a module next to `metaUrl` (pass import.meta.url), with the
 * same extension: `.ts` when run from source, `.js` once compiled.
 */
export function moduleBeside(metaUrl: string, name: string): URL {
  const ext = /\.[cm]?[jt]s$/.exec(new URL(metaUrl).pathname)?.[0] ?? '.js';
  return new URL(`./${name}${ext}`, metaUrl);
}
