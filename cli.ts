// The composition root: the runtime's CLI with the built-in features. The
// runtime knows no feature; this is the one place that names them.
import { builtinFeatures } from './actors/builtins.ts';
import { main as runtimeMain } from './runtime/cli/main.ts';

export function main(argv: string[]): Promise<number> {
  return runtimeMain(argv, builtinFeatures);
}
