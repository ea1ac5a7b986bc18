// The fixed sampling rule both protocols apply to their own count, and the comparison that decides whether the
// full POP3 listing is read.
import { describe, expect, it } from 'vitest';
import { POP_SAMPLE_SIZE, popSampleDisagrees, popSampleNumbers } from '../src/connectors/pop-sample.js';
import type { ImapEvidence, Pop3Evidence } from '../src/snapshot/schema.js';

describe('popSampleNumbers', () => {
  it('every message up to the sample size, none for an empty or nonsense count', () => {
    expect(popSampleNumbers(0)).toEqual([]);
    expect(popSampleNumbers(-1)).toEqual([]);
    expect(popSampleNumbers(Number.NaN)).toEqual([]);
    expect(popSampleNumbers(3)).toEqual([1, 2, 3]);
    expect(popSampleNumbers(POP_SAMPLE_SIZE)).toHaveLength(POP_SAMPLE_SIZE);
  });

  it('beyond it: first, last and evenly spaced, rising, the same for the same count', () => {
    for (const count of [POP_SAMPLE_SIZE + 1, 100, 5000, 100_000, 2 ** 32 - 1]) {
      const ns = popSampleNumbers(count);
      expect(ns.length).toBe(POP_SAMPLE_SIZE);
      expect(ns[0]).toBe(1);
      expect(ns[ns.length - 1]).toBe(count);
      for (let i = 1; i < ns.length; i++) expect(ns[i]!).toBeGreaterThan(ns[i - 1]!);
      const gaps = ns.slice(1).map((n, i) => n - ns[i]!);
      expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
      expect(popSampleNumbers(count)).toEqual(ns);
    }
  });
});

describe('popSampleDisagrees', () => {
  const numbers = popSampleNumbers(100);
  const uid = (n: number) => n * 2;
  const size = (n: number) => 1000 + n;
  const pop = (over: Partial<Pop3Evidence> = {}): Pop3Evidence =>
    ({
      stat: { messages: 100, sizeBytes: 5000 },
      listing: 'sample',
      messages: numbers.map((n) => ({ n, sizeBytes: size(n), uidl: 'x' })),
      uidlFormat: 'dovecot',
      uidlMap: { uidValidity: '7', uids: numbers.map(uid) },
      ...over,
    }) as Pop3Evidence;
  const imap = (over: { messages?: number; statusSize?: number | null; uidValidity?: string; sample?: ImapEvidence['inbox']['popSample'] } = {}): ImapEvidence =>
    ({
      inbox: {
        messages: over.messages ?? 100,
        uidValidity: over.uidValidity ?? '7',
        popSample: over.sample ?? numbers.map((n) => ({ seq: n, uid: uid(n), sizeBytes: size(n) })),
      },
      folders: [{ path: 'INBOX', status: { sizeBytes: over.statusSize === undefined ? 5000 : over.statusSize } }],
    }) as unknown as ImapEvidence;

  it('the same INBOX: null', () => {
    expect(popSampleDisagrees(pop(), imap())).toBeNull();
    expect(popSampleDisagrees(pop(), imap({ statusSize: null }))).toBeNull();
  });

  it('counts, total sizes, a sampled size, UID or UIDVALIDITY: the first difference', () => {
    expect(popSampleDisagrees(pop(), imap({ messages: 101 }))).toBe('counts-disagree');
    expect(popSampleDisagrees(pop(), imap({ statusSize: 5001 }))).toBe('sizes-disagree');
    const sample = numbers.map((n) => ({ seq: n, uid: uid(n), sizeBytes: size(n) }));
    expect(popSampleDisagrees(pop(), imap({ sample: sample.map((m, i) => (i === 5 ? { ...m, sizeBytes: 1 } : m)) }))).toBe('sample-disagrees');
    expect(popSampleDisagrees(pop(), imap({ sample: sample.map((m, i) => (i === 9 ? { ...m, uid: 3 } : m)) }))).toBe('sample-disagrees');
    expect(popSampleDisagrees(pop(), imap({ uidValidity: '8' }))).toBe('sample-disagrees');
    // A sampled message IMAP did not return: nothing to compare it with, so not taken as agreeing.
    expect(popSampleDisagrees(pop(), imap({ sample: sample.slice(1) }))).toBe('sample-disagrees');
  });

  it('an unknown UIDL format compares counts and sizes only', () => {
    const unknown = pop({ uidlFormat: 'unknown', uidlMap: null });
    const sample = numbers.map((n) => ({ seq: n, uid: 999_999, sizeBytes: size(n) }));
    expect(popSampleDisagrees(unknown, imap({ sample, uidValidity: '8' }))).toBeNull();
    expect(popSampleDisagrees(unknown, imap({ sample: sample.map((m, i) => (i === 0 ? { ...m, sizeBytes: 0 } : m)) }))).toBe('sample-disagrees');
  });
});
