import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, parseSnapshot, saveSnapshot, SnapshotFileError } from '../src/snapshot/io.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../src/snapshot/schema.js';

const minimal: Snapshot = {
  schema: SNAPSHOT_SCHEMA,
  tool: { name: 'maildoctor', version: '0.0.0-test' },
  takenAt: '2026-11-26T12:00:00.000Z',
  account: { user: 'alice', imap: { host: '127.0.0.1', port: 993, tls: 'implicit' }, pop: null },
  imap: { ok: false, durationMs: 12, error: { kind: 'refused', message: 'connection to 127.0.0.1:993 refused', step: 'connect' } },
  pop: null,
};

describe('snapshot files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'md-snap-'));

  it('round-trips through save and load, written private', async () => {
    const file = join(dir, 'a.json');
    await saveSnapshot(file, minimal);
    expect(await loadSnapshot(file)).toEqual(minimal);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(existsSync(`${file}.${process.pid}.tmp`)).toBe(false);
  });

  it.each([
    ['not JSON', '{"schema": "maildoctor/snap', /is not valid JSON/],
    ['a JSON array', '[1,2]', /not a maildoctor snapshot \(expected a JSON object\)/],
    ['a foreign file', '{"name":"some-package","version":"1.0.0"}', /not a maildoctor snapshot \(schema null/],
    ['a report instead of a snapshot', '{"schema":"maildoctor/report@1"}', /not a maildoctor snapshot \(schema "maildoctor\/report@1"/],
    ['a newer schema', '{"schema":"maildoctor/snapshot@2"}', /written by a newer maildoctor .*upgrade maildoctor/],
    ['a broken version', '{"schema":"maildoctor/snapshot@x"}', /unreadable schema version/],
  ])('refuses %s with one line', (_name, text, pattern) => {
    let err: unknown;
    try {
      parseSnapshot(text, 'f.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SnapshotFileError);
    expect((err as Error).message).toMatch(pattern);
    expect((err as Error).message).not.toContain('\n');
  });

  it('names the first invalid field of a corrupt snapshot', () => {
    const bad = JSON.parse(JSON.stringify(minimal)) as { imap: { error: { kind: string } } };
    bad.imap.error.kind = 'exploded';
    expect(() => parseSnapshot(JSON.stringify(bad), 'f.json')).toThrow(/f\.json is corrupt: imap/);
  });

  it('refuses a number beyond 2^53 instead of loading it rounded (found by test/property/snapshot-io.test.ts)', () => {
    const text = JSON.stringify(minimal).replace('"durationMs":12', '"durationMs":100000000000000000000000000000');
    expect(() => parseSnapshot(text, 'f.json')).toThrow(SnapshotFileError);
    expect(() => parseSnapshot(text, 'f.json')).toThrow(/f\.json is corrupt: it holds a number beyond 2\^53/);
    expect(parseSnapshot(JSON.stringify(minimal).replace('"durationMs":12', '"durationMs":9007199254740991'), 'f.json').imap).toMatchObject({ durationMs: 9007199254740991 });
  });

  it('says when the file is missing', async () => {
    await expect(loadSnapshot(join(dir, 'nope.json'))).rejects.toThrow(/snapshot file not found: .*nope\.json/);
  });

  it('keeps the file byte-stable across load and save', async () => {
    const file = join(dir, 'b.json');
    await saveSnapshot(file, minimal);
    const first = readFileSync(file, 'utf8');
    await saveSnapshot(file, await loadSnapshot(file));
    expect(readFileSync(file, 'utf8')).toBe(first);
  });
});
