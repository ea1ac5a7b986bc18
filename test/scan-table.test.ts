import { describe, expect, it } from 'vitest';
import type { ScanLine } from '../src/scan/run.js';
import { keyWidth, tableHeader, tableRow } from '../src/scan/table.js';

const line = (over: { key: string; status: string; findings?: { id: string; title: string }[]; error?: string; verdict?: string }): ScanLine =>
  ({
    scan: { line: 2, key: over.key, attempts: 1, durationMs: 5, ...(over.error ? { error: over.error } : {}) },
    status: over.status,
    verdict: over.verdict ?? 'No problems found',
    findings: over.findings ?? [],
  }) as unknown as ScanLine;

describe('scan --format text rows', () => {
  it('keeps the columns aligned and cuts a long key', () => {
    const w = keyWidth(['a@x', 'b'.repeat(60)]);
    expect(w).toBe(40);
    expect(tableHeader(w)).toBe(`STATUS    ${'ACCOUNT'.padEnd(40)}  WHAT WAS FOUND\n`);
    const row = tableRow(line({ key: 'b'.repeat(60), status: 'ok' }), w);
    expect(row).toBe(`OK        ${'b'.repeat(39)}…  No problems found\n`);
  });
  it('names the worst finding and counts the others; a row that could not be probed says why', () => {
    const w = keyWidth(['alice@mail']);
    const f = [
      { id: 'mail-vanished', title: 'Mail vanished\nbetween checks' },
      { id: 'quota-near-limit', title: 'Nearly full' },
    ];
    expect(tableRow(line({ key: 'alice@mail', status: 'critical', findings: f }), w)).toBe(
      'CRITICAL  alice@mail  Mail vanished between checks (and 1 more: quota-near-limit)\n',
    );
    expect(tableRow(line({ key: 'alice@mail', status: 'unknown', error: 'no password' }), w)).toBe('UNKNOWN   alice@mail  not checked: no password\n');
  });
});
