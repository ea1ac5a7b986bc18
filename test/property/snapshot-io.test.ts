// Properties of the snapshot loader (snapshot/io.ts): arbitrary bytes, arbitrary JSON and damaged snapshots give
// a SnapshotFileError, never another exception; a number beyond 2^53 anywhere in a snapshot is refused; a valid
// snapshot loads back as saved.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot, parseSnapshot, serializeSnapshot, SnapshotFileError } from '../../src/snapshot/io.js';
import { SCENARIOS, scenario, type ScenarioName } from '../support/snapshot-builder.js';
import { hugeDigits, RUNS } from './arb.js';

const dir = mkdtempSync(join(tmpdir(), 'md-prop-snap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const names = Object.keys(SCENARIOS) as ScenarioName[];
const valid = names.map((n) => serializeSnapshot(scenario(n)));

function refused(text: string): SnapshotFileError {
  try {
    parseSnapshot(text, 'snap.json');
  } catch (e) {
    expect(e).toBeInstanceOf(SnapshotFileError);
    expect((e as Error).message).not.toContain('\n');
    return e as SnapshotFileError;
  }
  throw new Error(`accepted: ${text.slice(0, 200)}`);
}

/** Every path to a number in a JSON value. */
function numberPaths(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (typeof v === 'number') out.push(path);
  else if (Array.isArray(v)) v.forEach((x, i) => numberPaths(x, [...path, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) numberPaths(x, [...path, k], out);
  return out;
}

describe('snapshot loader (property)', () => {
  it('loads every valid snapshot back as saved', () => {
    for (const text of valid) expect(serializeSnapshot(parseSnapshot(text, 'x'))).toBe(text);
  });

  it('refuses arbitrary bytes and text with a SnapshotFileError only', async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), fc.string({ maxLength: 200 }).map((s) => Buffer.from(s))), async (bytes) => {
        const file = join(dir, `b${k++}.json`);
        writeFileSync(file, bytes);
        await expect(loadSnapshot(file)).rejects.toBeInstanceOf(SnapshotFileError);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses arbitrary JSON with a SnapshotFileError only', () => {
    const schemaish = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('maildoctor.snapshot@1', 'maildoctor.snapshot@x', 'maildoctor.snapshot@999', 'maildoctor.snapshot@1e400'));
    const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ schema: schemaish }, { requiredKeys: [] }).chain((o) => fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((d) => ({ ...d, ...o }))));
    fc.assert(
      fc.property(json, (v) => {
        refused(JSON.stringify(v) ?? 'null');
      }),
      RUNS,
    );
  });

  it('refuses a valid snapshot with any one value replaced by a wrong-typed one, or its text cut', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.oneof(fc.constant(null), fc.constant(-1), fc.constant('x'), fc.constant(1.5), fc.constant([]), fc.constant({})), fc.nat(), (which, where, junk, cutAt) => {
        const text = valid[which % valid.length]!;
        const data = JSON.parse(text) as Record<string, unknown>;
        // Cut: always refused (a snapshot is one JSON object).
        const c = cutAt % text.trimEnd().length;
        refused(text.slice(0, c));
        // Replace one number: refused, or accepted only as a snapshot that still validates.
        const paths = numberPaths(data);
        if (paths.length === 0) return;
        const p = paths[where % paths.length]!;
        let o = data as Record<string | number, unknown>;
        for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
        o[p[p.length - 1]!] = junk;
        try {
          parseSnapshot(JSON.stringify(data), 'x');
        } catch (e) {
          expect(e).toBeInstanceOf(SnapshotFileError);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a number beyond 2^53 anywhere a number is', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), hugeDigits, fc.boolean(), (which, where, digits, negative) => {
        const text = valid[which % valid.length]!;
        const data = JSON.parse(text) as unknown;
        const paths = numberPaths(data);
        const p = paths[where % paths.length]!;
        // Put the digits into the text itself, as a file would hold them.
        const marker = '"__HUGE__"';
        let o = data as Record<string | number, unknown>;
        for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
        o[p[p.length - 1]!] = '__HUGE__';
        const bad = JSON.stringify(data).replace(marker, `${negative ? '-' : ''}${digits}`);
        expect(refused(bad).message).toMatch(/snap\.json/);
      }),
      { numRuns: 60 },
    );
  });
});
