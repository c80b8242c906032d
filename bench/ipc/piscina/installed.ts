import { createRequire } from 'node:module';

/**
 * piscina is not one of Outrigger's dependencies (docs/design/piscina.md):
 * the prototype runs once it is installed without saving. Exits with that
 * command when it is missing.
 */
export function requirePiscina(): void {
  try {
    createRequire(import.meta.url).resolve('piscina');
  } catch {
    console.error('the piscina prototype needs piscina, which Outrigger does not depend on: npm install --no-save piscina@5.3.2');
    process.exit(2);
  }
}
