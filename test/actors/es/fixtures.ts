import { readFileSync } from 'node:fs';

const DIR = new URL('../../fixtures/canal/', import.meta.url);

/** The raw lines of a fixture file (one Canal flat message each). */
export function fixtureLines(name: string): string[] {
  return readFileSync(new URL(name, DIR), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}
