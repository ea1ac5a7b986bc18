// Properties of the sequence-set and SEARCH readers in imap/raw.ts: any valid set (any order, a:b or b:a,
// overlaps) gives its sorted, merged ranges; any other text gives the module's "bad sequence set" error, never a
// TypeError or RangeError; numbers beyond 32 bits are refused, and so is a set too large to expand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEsearch, parseRanges, parseSequenceSet, searchNumbers, type Attr } from '../../src/connectors/imap/raw.js';
import { hugeDigits, RUNS } from './arb.js';

const range = fc.tuple(fc.integer({ min: 1, max: 300 }), fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }));

function reference(ranges: [number, number | undefined][]): number[] {
  const set = new Set<number>();
  for (const [a, b = a] of ranges) for (let u = Math.min(a, b); u <= Math.max(a, b); u++) set.add(u);
  const sorted = [...set].sort((x, y) => x - y);
  const out: number[] = [];
  for (const u of sorted) {
    if (out.length && u === out[out.length - 1]! + 1) out[out.length - 1] = u;
    else out.push(u, u);
  }
  return out;
}

const expectOwnError = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).constructor).toBe(Error);
    expect((e as Error).message).toMatch(/^bad (sequence set|number) from server/);
    return false;
  }
  return true;
};

describe('parseRanges / parseSequenceSet (property)', () => {
  it('give the merged, sorted ranges of any valid set', () => {
    fc.assert(
      fc.property(fc.array(range, { minLength: 1, maxLength: 12 }), (ranges) => {
        const set = ranges.map(([a, b]) => (b === undefined ? `${a}` : `${a}:${b}`)).join(',');
        const want = reference(ranges);
        expect(parseRanges(set)).toEqual(want);
        const all: number[] = [];
        for (let i = 0; i < want.length; i += 2) for (let u = want[i]!; u <= want[i + 1]!; u++) all.push(u);
        expect(parseSequenceSet(set)).toEqual(all);
      }),
      RUNS,
    );
  });

  it('answer arbitrary text with ranges or their own error only', () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[0-9:,*]{0,40}$/));
    fc.assert(
      fc.property(text, (s) => {
        if (expectOwnError(() => parseRanges(s))) {
          const r = parseRanges(s);
          expect(r.length % 2).toBe(0);
          for (let i = 0; i < r.length; i++) {
            expect(Number.isSafeInteger(r[i])).toBe(true);
            if (i > 0) expect(r[i]!).toBeGreaterThanOrEqual(r[i - 1]! + (i % 2 === 0 ? 2 : 0));
          }
        }
      }),
      RUNS,
    );
  });

  it('refuse a number beyond 32 bits', () => {
    fc.assert(
      fc.property(hugeDigits, fc.constantFrom('%', '1:%', '%:1', '3,%'), (digits, shape) => {
        const set = shape.replace('%', digits);
        expect(expectOwnError(() => parseRanges(set))).toBe(false);
        expect(expectOwnError(() => parseRanges('4294967296'))).toBe(false);
      }),
      RUNS,
    );
  });

  it('refuses to expand a set with more numbers than a mailbox can hold', () => {
    expect(expectOwnError(() => parseSequenceSet('1:4294967295'))).toBe(false);
    expect(parseRanges('1:4294967295')).toEqual([1, 4294967295]);
  });
});

describe('searchNumbers / parseEsearch (property)', () => {
  const node = fc.oneof(
    fc.record({ type: fc.constantFrom('ATOM', 'STRING', 'NUMBER', 'LITERAL'), value: fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)) }),
    fc.string({ maxLength: 6 }).map((s) => ({ type: 'LITERAL', value: Buffer.from(s) })),
  );
  const attrs: fc.Arbitrary<Attr[]> = fc.array(fc.oneof(node, fc.array(node, { maxLength: 3 })), { maxLength: 10 });

  it('never throw on arbitrary attributes; numbers are in 1..2^32-1 or refused', () => {
    fc.assert(
      fc.property(attrs, (a) => {
        parseEsearch({ attributes: a });
        if (expectOwnError(() => searchNumbers({ attributes: a }))) {
          for (const n of searchNumbers({ attributes: a })) expect(Number.isSafeInteger(n) && n <= 0xffffffff).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('refuse a SEARCH number beyond 32 bits', () => {
    fc.assert(
      fc.property(hugeDigits, (digits) => {
        expect(expectOwnError(() => searchNumbers({ attributes: [{ type: 'ATOM', value: '5' }, { type: 'ATOM', value: digits }] }))).toBe(false);
      }),
      RUNS,
    );
  });
});
