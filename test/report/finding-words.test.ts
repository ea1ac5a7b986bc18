// A finding's words live in one file per id: src/report/findings/<id>.ts. The types catch a missing id, a wrong
// evidence field and words registered under another id; this catches words kept outside their own file, a file
// without its id, and a file whose name is not the id it words.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FINDING_IDS } from '../../src/analyzer/index.js';
import { FINDING_WORDS } from '../../src/report/findings/index.js';

const dir = new URL('../../src/report/findings/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

describe('finding words', () => {
  it('has one file per finding id and no other', () => {
    expect(files).toEqual([...FINDING_IDS].sort());
  });

  for (const id of FINDING_IDS) {
    it(`${id}: findings/${id}.ts holds the words FINDING_WORDS gives for it`, async () => {
      const mod = (await import(/* @vite-ignore */ new URL(`${id}.ts`, dir).href)) as { default: unknown };
      expect(FINDING_WORDS[id]).toBe(mod.default);
    });
  }
});
