// Docs a user can paste: every TypeScript block of README.md and docs/*.md
// type-checks (strict, as this repository's own code) as a module of its own,
// importing the package by its public name 'outrigger'; a block marked
// `<!-- include PATH -->` is that file of the repository word for word (the
// file itself is compiled, and run where a test runs it). The README's
// environment table lists every variable the daemon reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinFeatures } from '../../actors/builtins.ts';
import { envOverrides } from '../../runtime/config/compose.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Block {
  doc: string;
  line: number;
  lang: string;
  code: string;
  include: string | null;
}

/** Fenced code blocks of a markdown file, with the include marker right above each, if any. */
export function codeBlocks(doc: string): Block[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    let j = i + 1;
    while (j < lines.length && lines[j] !== '```') j++;
    const marker = /^<!-- include (\S+) -->$/.exec(lines[start - 1] ?? '');
    out.push({ doc, line: start + 1, lang: open[1]!, code: lines.slice(start + 1, j).join('\n') + '\n', include: marker?.[1] ?? null });
    i = j;
  }
  return out;
}

const blocks = DOCS.flatMap(codeBlocks);
const tsBlocks = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript');

describe('docs', () => {
  it('include repository files word for word', () => {
    const included = blocks.filter((b) => b.include);
    expect(included.length).toBeGreaterThan(0);
    for (const b of included) expect(b.code, `${b.doc}:${b.line}`).toBe(readFileSync(join(ROOT, b.include!), 'utf8'));
  });

  it('have TypeScript blocks that type-check strictly', () => {
    const dir = join(ROOT, '.tmp/docs-check');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const names = new Map<string, Block>();
    // A fence pattern that stopped matching would leave tsc nothing to check.
    expect(tsBlocks.filter((x) => !x.include).length).toBeGreaterThan(10);
    for (const b of tsBlocks.filter((x) => !x.include)) {
      const name = `${b.doc.replace(/[/.]/g, '_')}_${b.line}.ts`;
      names.set(name, b);
      writeFileSync(join(dir, name), b.code);
    }
    // The repository's own global declarations come along: blocks showing built-in code import its modules.
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: ['*.ts', '../../runtime/types/*.d.ts'] }));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', cwd: ROOT });
    // Errors name the doc and the line of the block's fence.
    const report = r.stdout.replace(/\.tmp\/docs-check\/(\S+?\.ts)\((\d+),\d+\)/g, (_, f: string, l: string) => {
      const b = names.get(f);
      return b ? `${b.doc}:${b.line + Number(l)}` : f;
    });
    expect(report).toBe('');
    expect(r.status).toBe(0);
  }, 300_000);

  it('list every environment variable the daemon reads, in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const name of Object.keys(envOverrides(builtinFeatures))) expect(readme, name).toContain(`| \`${name}\` |`);
  });
});
