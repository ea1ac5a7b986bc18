import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropTornTail, readDone } from '../src/scan/resume.js';

const line = (key: string, status: string, ids: string[] = []) =>
  JSON.stringify({ scan: { line: 1, key, attempts: 1, durationMs: 1 }, status, findings: ids.map((id) => ({ id })) });

async function collect(path: string) {
  const out = [];
  for await (const d of readDone(path)) out.push(d);
  return out;
}

describe('--resume', () => {
  it('reads the key, status and finding ids of each complete line', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'resume-')), 'out.jsonl');
    writeFileSync(f, `${line('a', 'ok')}\n\n${line('b', 'warning', ['quota-near-limit', 'quota-near-limit'])}\nnot json\n{"other":1}\n`);
    expect(await collect(f)).toEqual([
      { key: 'a', status: 'ok', findingIds: [] },
      { key: 'b', status: 'warning', findingIds: ['quota-near-limit', 'quota-near-limit'] },
    ]);
  });

  it('cuts a torn last line so appending starts clean; the torn account is scanned again', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'resume-')), 'out.jsonl');
    const whole = `${line('a', 'ok')}\n${line('b', 'ok')}\n`;
    writeFileSync(f, `${whole}${line('c', 'ok').slice(0, 25)}`);
    expect(dropTornTail(f)).toBe(25);
    expect(readFileSync(f, 'utf8')).toBe(whole);
    expect(dropTornTail(f)).toBe(0);
    expect((await collect(f)).map((d) => d.key)).toEqual(['a', 'b']);
  });

  it('a missing or empty file means nothing is done yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resume-'));
    expect(await collect(join(dir, 'nope.jsonl'))).toEqual([]);
    expect(dropTornTail(join(dir, 'nope.jsonl'))).toBe(0);
    writeFileSync(join(dir, 'torn.jsonl'), '{"scan":');
    expect(dropTornTail(join(dir, 'torn.jsonl'))).toBe(8);
    expect(readFileSync(join(dir, 'torn.jsonl'), 'utf8')).toBe('');
  });
});
