// Every rule file is registered, tested and documented; ids are unique, kebab-case and equal to the file name;
// every finding id has its rule.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FINDING_IDS, RULES } from '../../src/analyzer/index.js';

const root = new URL('../../', import.meta.url);
const ruleFiles = readdirSync(new URL('src/analyzer/rules/', root))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const docs = readFileSync(new URL('docs/findings.md', root), 'utf8');
const docSections = [...docs.matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1]!);

describe('rule registry', () => {
  it('registers exactly the files in src/analyzer/rules', () => {
    expect(RULES.map((r) => r.id).sort()).toEqual(ruleFiles);
  });

  it('has unique kebab-case ids, each equal to its file name', async () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      const file = new URL(`src/analyzer/rules/${rule.id}.ts`, root).href;
      const mod = (await import(/* @vite-ignore */ file)) as { default: { id: string } };
      expect(mod.default.id).toBe(rule.id);
    }
  });

  it('has a rule for every finding id and no finding id without a rule', () => {
    expect([...FINDING_IDS].sort()).toEqual(ruleFiles);
  });

  it('gives every rule a summary and evidence needs from the known paths', () => {
    for (const rule of RULES) {
      expect(rule.docs.summary.length, rule.id).toBeGreaterThan(10);
      for (const n of rule.needs) expect(['imap', 'imap.quota', 'imap.quotaRead', 'imap.probed', 'pop', 'pop.probed', 'pop.inbox', 'previous.imap', 'previous.inboxList', 'imap.inboxUids', 'previous.inboxUids', 'logs', 'discovery']).toContain(n);
      for (const n of rule.complete ?? []) expect(['imap.folders', 'imap.inboxUids', 'pop.listing', 'logs.pop3', 'logs.deliveries']).toContain(n);
    }
  });

  for (const id of ruleFiles) {
    it(`${id}: has test/rules/${id}.test.ts`, () => {
      expect(existsSync(new URL(`test/rules/${id}.test.ts`, root))).toBe(true);
    });
    it(`${id}: has a "## ${id}" section in docs/findings.md`, () => {
      expect(docSections).toContain(id);
    });
  }

  it('documents no finding that does not exist', () => {
    expect(docSections.filter((s) => !ruleFiles.includes(s))).toEqual([]);
  });
});
