// Regression tests for imap/raw.ts readers, from counterexamples found by test/property/imap-raw.test.ts.
import { describe, expect, it } from 'vitest';
import { parseRanges, parseSequenceSet, searchNumbers } from '../src/connectors/imap/raw.js';

describe('raw readers against hostile server answers', () => {
  it('refuses to expand "1:4294967295" (it ran the process out of memory) but keeps it as one range', () => {
    expect(() => parseSequenceSet('1:4294967295')).toThrow(/^bad sequence set from server/);
    expect(parseRanges('1:4294967295')).toEqual([1, 4294967295]);
    expect(parseSequenceSet('3:1,7')).toEqual([1, 2, 3, 7]);
  });

  it('refuses numbers beyond 32 bits instead of rounding them', () => {
    expect(() => parseRanges('100000000000000000000000000000')).toThrow(/^bad sequence set from server/);
    expect(() => parseRanges('1:4294967296')).toThrow(/^bad sequence set from server/);
    expect(() => searchNumbers({ attributes: [{ type: 'ATOM', value: '100000000000000000000000000000' }] })).toThrow(/^bad number from server/);
    expect(searchNumbers({ attributes: [{ type: 'ATOM', value: '4294967295' }] })).toEqual([4294967295]);
  });
});
