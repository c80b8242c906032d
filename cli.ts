// The composition root: the runtime's CLI with the built-in features. The
// runtime knows no feature; this is the one place that names them.
import { fileURLToPath } from 'node:url';
import { builtinFeatures } from './actors/builtins.ts';
import { main as runtimeMain } from './runtime/cli/main.ts';

// bin/ sits beside this file in the source tree, one level up from dist/cli.js once compiled.
const BIN = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './bin/outrigger.mjs' : '../bin/outrigger.mjs', import.meta.url));

export function main(argv: string[]): Promise<number> {
  return runtimeMain(argv, { features: builtinFeatures, bin: BIN });
}
